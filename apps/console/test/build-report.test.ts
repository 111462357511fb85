// The console's production build, as `npm run build` makes it (vite.config.ts, into a temporary folder): it prints no
// warning, and the bundle size the README reports is the one it makes (within 1%, so the figure is not rewritten
// for every small change, yet a stale one fails). The root README points here rather than repeating the figure.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, createLogger } from "vite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README = new URL("../README.md", import.meta.url);

interface Built {
  warnings: string[];
  /** kB (1,000 bytes) of the JS and CSS files, raw and gzipped, as vite prints them. */
  kB: { js: number; jsGzip: number; css: number; cssGzip: number };
}

async function buildOnce(): Promise<Built> {
  const warnings: string[] = [];
  const logger = createLogger("warn");
  logger.warn = (message) => warnings.push(message);
  logger.warnOnce = (message) => warnings.push(message);
  // Written out (not kept in memory): vite checks chunk sizes, and warns, only as it writes them.
  const outDir = mkdtempSync(join(tmpdir(), "cirrus-console-build-"));
  try {
    await build({
      root: ROOT,
      configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
      logLevel: "warn",
      customLogger: logger,
      build: { outDir, emptyOutDir: true },
    });
    const assets = readdirSync(join(outDir, "assets")).map((name) => ({
      name,
      bytes: readFileSync(join(outDir, "assets", name)),
    }));
    const size = (ext: string, zip: boolean) =>
      assets
        .filter((a) => a.name.endsWith(ext))
        .reduce((sum, a) => sum + (zip ? gzipSync(a.bytes).length : a.bytes.length), 0) / 1000;
    return {
      warnings,
      kB: {
        js: size(".js", false),
        jsGzip: size(".js", true),
        css: size(".css", false),
        cssGzip: size(".css", true),
      },
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** "JS 312.4 kB (94.5 kB gzip), CSS 8.3 kB" in a README: the figures after JS and CSS. */
function reported(text: string): { js: number; jsGzip: number; css: number } {
  const match = /JS ([\d.]+) kB \(([\d.]+) kB gzip\), CSS ([\d.]+) kB/.exec(text.replace(/\s+/g, " "));
  assert.ok(match, "the README reports the bundle as 'JS … kB (… kB gzip), CSS … kB'");
  return { js: Number(match[1]), jsGzip: Number(match[2]), css: Number(match[3]) };
}

describe("the console's build", () => {
  it("has no warning, and the README reports its bundle size", async () => {
    const built = await buildOnce();
    assert.deepEqual(built.warnings, [], "vite build warnings");
    assert.ok(built.kB.js > 50, `a real bundle: ${built.kB.js} kB of JS`);
    const said = reported(readFileSync(README, "utf8"));
    for (const key of ["js", "jsGzip", "css"] as const) {
      const made = built.kB[key];
      assert.ok(
        Math.abs(said[key] - made) <= made * 0.01,
        `README.md: ${key} ${said[key]} kB, the build makes ${made.toFixed(1)} kB`,
      );
    }
  });
});
