// Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (CI runs as root),
// no background networking, a fresh profile per launch. Plus the page checks the console tests make:
// screenshots under e2e/results/console/ and an axe-core accessibility scan, and the console's build they load.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const RESULTS_DIR = fileURLToPath(new URL("../results/console/", import.meta.url));
export const CONSOLE_DIST = fileURLToPath(new URL("../../apps/console/dist/", import.meta.url));

/** The console's build, made once if this checkout has none (the console's `npm test` makes it first). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(CONSOLE_DIST, "index.html"))) return;
  const built = spawnSync("npm", ["run", "build", "-w", "@cirrus/console"], {
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    encoding: "utf8",
  });
  assert.equal(built.status, 0, `console build failed: ${built.stdout}\n${built.stderr}`);
}

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Why the browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM} (bash .ci/install-system-packages.sh installs Debian's chromium)`;
}

/** Playwright gives every launch a new temporary profile (--user-data-dir) and removes it on close. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
}

/** A full-page PNG under e2e/results/console/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The axe-core violations of the page as it is now (WCAG 2.x A and AA rules). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(options: unknown): Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    const results = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
}

/** Serious and critical violations only: what the console must never have. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  return (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Signs `page` in to the console at `consoleUrl` with the API token `secret`, as a person does (the login form),
 * and resolves once the signed-in shell shows (its Sign out button).
 */
export async function signInOn(page: Page, secret: string, consoleUrl: string): Promise<void> {
  await page.goto(`${consoleUrl.replace(/\/$/, "")}/`);
  await page.getByLabel("API token").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** The focused element's name as a reader hears it: its aria-label, else its label, else its text; "" for none. */
export async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return "";
    const label = (element as HTMLInputElement).labels?.[0]?.textContent;
    return (element.getAttribute("aria-label") ?? label ?? element.textContent ?? "").trim();
  });
}

/**
 * Walks a form with the keyboard alone: for each step, Tab once, assert the focus is on the control named
 * `name` (so the tab order is the form's order, with nothing unreachable or in between), and type `value` over
 * what it holds, if given.
 */
export async function tabThrough(page: Page, steps: readonly (readonly [name: string, value?: string])[]) {
  for (const [name, value] of steps) {
    await page.keyboard.press("Tab");
    assert.equal(await focusedName(page), name, `Tab should reach "${name}" next`);
    if (value !== undefined) {
      await page.keyboard.press("ControlOrMeta+a");
      await page.keyboard.type(value);
    }
  }
}

/**
 * How far the page reaches past `width` CSS pixels (a phone's screen), and the innermost elements that reach out
 * there (not those inside a scroller, which scroll on their own). On an emulated phone the browser zooms out to
 * fit a wider page, so the page's own innerWidth would hide the overflow: `width` is the screen's.
 */
export async function overflowPast(
  page: Page,
  width: number,
): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate((screen) => {
    const describe = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${[...e.classList].map((c) => `.${c}`).join("")}`;
    // Clipped by a scroller it lies in: for an absolutely positioned element, one at or above its containing block.
    const clipped = (e: Element) => {
      const from =
        getComputedStyle(e).position === "absolute" ? (e as HTMLElement).offsetParent : e.parentElement;
      for (let a = from; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") return true;
      }
      return false;
    };
    const out = (x: Element) => x.getBoundingClientRect().right > screen + 1;
    // The innermost elements out there: what pushes its ancestors wider (at most 8, the first in the page).
    const culprits = [...document.body.querySelectorAll("*")]
      .filter((e) => out(e) && !clipped(e) && ![...e.children].some(out))
      .slice(0, 8)
      .map((e) => `${describe(e)} (right edge ${Math.round(e.getBoundingClientRect().right)})`);
    const reach = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
    return { overflow: reach - screen, culprits };
  }, width);
}
