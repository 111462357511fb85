// The web console in a real browser (Debian's Chromium through playwright-core) against `npm start`'s control
// plane on the local provider: sign in, create a cluster through the form filled from the keyboard alone (its
// validation shown at the field), wait for RUNNING and three brokers (with their instance type), see the overview
// and the broker map kept live by the cluster's event stream (no polling; polling only while the token's stream
// cap refuses it), create a topic, produce a message with two headers from the keyboard and see it in the message
// browser (and, from a time, exactly the records at or after it), add partitions to a topic and delete it, see a
// consumer group's lag, reset its offsets (dry run, 409 while it has a member, then executed on the empty group:
// lag comes back), simulate a spot reclaim and watch its operation finish (live over Server-Sent Events, never
// polled), preview and execute a rebalance, see every main page on a phone's screen (no sideways scroll), see the
// expiry warning of a token that expires within a day and renew it without a sign-out (in every tab signed in with
// it; an admin token choosing the new lifetime), then delete the cluster. The clusters list is live over one
// stream too (no polling). Pages sign in through one signInOn helper (harness/browser.ts). Every page and dialog
// is screenshot under e2e/results/console/ and scanned by axe-core (no serious or critical violation). The
// overview's render time with many partitions is e2e/bench/console-render.bench.ts's.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import type { Browser, Page } from "playwright-core";
import {
  browserMissing,
  CONSOLE_DIST,
  ensureConsoleBuilt,
  focusedName,
  launchChromium,
  overflowPast,
  RESULTS_DIR,
  screenshot,
  seriousViolations,
  signInOn,
  tabThrough,
} from "../harness/browser.ts";
import { freePort, waitFor } from "../harness/cluster.ts";
import { ControlPlaneProcess } from "../harness/control-plane-process.ts";

const ADMIN_TOKEN = `console-e2e-${"x".repeat(24)}`;

const skip = browserMissing();

describe("web console in Chromium", { timeout: 600_000, skip: skip ?? false }, () => {
  let dataDir: string;
  let cp: ControlPlaneProcess;
  let url: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    assert.ok(answer.ok, `${method} ${path}: ${answer.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  /** Screenshot the page and assert axe finds nothing serious or critical on it. */
  const check = async (name: string) => {
    await screenshot(page, name);
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
  };

  before(async () => {
    ensureConsoleBuilt();
    rmSync(RESULTS_DIR, { recursive: true, force: true });
    dataDir = mkdtempSync(join(tmpdir(), "cirrus-console-e2e-"));
    cp = await ControlPlaneProcess.start({
      dataDir,
      port: await freePort(),
      adminToken: ADMIN_TOKEN,
      brokers: 0,
      // The rebalance is the test's to run: no automatic one after the spot replacement.
      env: { CONSOLE_DIR: CONSOLE_DIST, AUTO_REBALANCE_SETTLE_MS: "0", BROKER_LEASE_MS: "4000" },
      startTimeoutMs: 120_000,
    });
    url = cp.lines.console!.replace(/\/$/, "");
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await cp?.stop("SIGTERM", 90_000);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a wrong token at the field, and signs in with a good one", async () => {
    await page.goto(`${url}/`);
    await page.getByRole("heading", { name: "Cirrus console" }).waitFor();
    await check("01-login");
    await page.getByLabel("API token").fill("not-a-real-token-at-all-000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("This token is not valid").waitFor();
    await signInOn(page, ADMIN_TOKEN, url);
    await page.getByRole("heading", { name: "No cluster yet" }).waitFor();
    assert.ok(!page.url().includes(ADMIN_TOKEN), "the token never appears in the address");
    await check("02-clusters-empty");
  });

  it("says what to do next on a cluster that does not exist, and leads back to the list", async () => {
    await page.goto(`${url}/clusters/00000000-0000-4000-8000-000000000000`);
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: /not found/i }).waitFor({ timeout: 15_000 });
    await alert.getByRole("button", { name: "Try again" }).waitFor();
    await check("02b-cluster-not-found");
    await alert.getByRole("link", { name: "see your clusters" }).click();
    await page.getByRole("heading", { name: "No cluster yet" }).waitFor();
  });

  it("creates a cluster through the form, filled from the keyboard, with the API's validation shown at the field", async () => {
    // Keyboard only: the button opens the form, its Name takes the focus, Tab walks every field in order.
    await page.getByRole("button", { name: "Create cluster" }).focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Name").waitFor();
    assert.equal(await focusedName(page), "Name", "the form's first field takes the focus");
    await page.keyboard.type("web");
    await tabThrough(page, [
      ["Provider"],
      ["Region"],
      ["Zones"],
      ["Instance types"],
      ["Brokers: minimum", "0"],
      ["Brokers: maximum", "6"],
      // Every broker on spot: spot reclaims are what the local provider simulates.
      ["Spot share", "1"],
      ["On-demand base"],
      ["Scale out above (MB/s per broker)"],
      ["Scale in below (MB/s per broker)"],
      ["Scaling cooldown (s)"],
      ["Object store", `file://${join(dataDir, "objects-web")}`],
      ["WAL volume (GiB)"],
      ["Deletion protection"],
      ["Cancel"],
      ["Create cluster"],
    ]);
    await page.keyboard.press("Enter");
    const minimum = page.getByLabel("Brokers: minimum");
    await waitFor(
      "the field error",
      async () => (await minimum.getAttribute("aria-invalid")) === "true",
      10_000,
    );
    const error = await page.locator("#c-min-error").textContent();
    assert.match(error ?? "", /greater or equal to 1|minimum|>= 1/i);
    await check("03-cluster-create-invalid");
    await minimum.fill("3");
    await page.getByRole("button", { name: "Create cluster" }).last().click();
    await page.getByRole("heading", { name: /^web/ }).waitFor();
    assert.match(page.url(), /\/clusters\/[0-9a-f-]{36}$/);
  });

  it("shows the cluster RUNNING with three active brokers and its bootstrap address", async () => {
    await page.locator("h1 .status", { hasText: "RUNNING" }).waitFor({ timeout: 180_000 });
    await waitFor(
      "three ACTIVE brokers",
      async () => (await page.locator("tbody tr", { hasText: "ACTIVE" }).count()) === 3,
      120_000,
    );
    await page.getByRole("button", { name: "Copy Bootstrap servers" }).waitFor({ timeout: 30_000 });
    // The table polls: a count taken once can fall between two renders; three spot rows must show up.
    await waitFor(
      "three spot brokers",
      async () => (await page.locator("tbody tr", { hasText: "spot" }).count()) === 3,
      30_000,
    );
    // The instance type, once the provisioner has seen it from the provider (the form's default: local).
    await page.getByRole("columnheader", { name: "Instance type" }).waitFor();
    await waitFor(
      "each broker's instance type",
      async () =>
        JSON.stringify(
          (await page.locator("tbody tr td:nth-child(5)").allTextContents()).map((t) => t.trim()),
        ) === JSON.stringify(["local", "local", "local"]),
      60_000,
    );
    await check("04-cluster-overview");
  });

  it("keeps the clusters list live over one stream (state, brokers, traffic), without polling", async () => {
    const requests: string[] = [];
    const record = (request: { url(): string }) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith("/v1/clusters")) requests.push(path);
    };
    page.on("request", record);
    await page.goto(`${url}/`);
    await page.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
    const row = page.getByRole("row", { name: /^web / });
    await row.getByText("RUNNING").waitFor();
    await row.getByText(/^3 brokers · in /).waitFor({ timeout: 15_000 });
    // Longer than the old polls (the list every 3 s, each cluster's brokers every 5 s): none may come.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    page.off("request", record);
    assert.deepEqual(requests, ["/v1/clusters/events"], "one list stream, no list or brokers polling");
    await check("04a-clusters-live");
    await page.getByRole("link", { name: "web" }).click();
    await page.getByRole("heading", { name: /^web/ }).waitFor();
  });

  it("keeps the cluster page (overview, broker map) live over the cluster's event stream, without polling", async () => {
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const requests: string[] = [];
    const record = (request: { url(): string }) => {
      const path = new URL(request.url()).pathname;
      // The cluster itself as "", its sub-resources as "/brokers", "/events"…
      if (path.startsWith(`/v1/clusters/${clusterId}`))
        requests.push(path.slice(`/v1/clusters/${clusterId}`.length));
    };
    page.on("request", record);
    await page.goto(`${url}/clusters/${clusterId}`);
    await page.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
    await waitFor(
      "three ACTIVE brokers from the stream",
      async () => (await page.locator("tbody tr", { hasText: "ACTIVE" }).count()) === 3,
      15_000,
    );
    // Longer than the old polls (brokers 2 s, cluster 3 s, metrics 5 s): none may come.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.deepEqual(
      requests.filter((path) => path === "" || path === "/brokers" || path === "/events"),
      ["/events"],
      "one cluster stream for the page, no cluster or brokers polling",
    );
    assert.equal(requests.filter((path) => path === "/metrics").length, 1, "the chart's history, once");
    await check("04b-cluster-overview-live");
    requests.length = 0;
    await page.getByRole("link", { name: "Broker map" }).click();
    // No topic yet: the map says what to do (its brokers and partitions come once one exists, later).
    await page.getByText("No partition yet").waitFor();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    page.off("request", record);
    assert.ok(!requests.includes("/brokers"), `the map's brokers come from the stream: ${requests}`);
    assert.equal(
      requests.filter((path) => path === "/events").length,
      0,
      "the page's stream serves the map too",
    );
    assert.ok(!requests.includes(""), "the cluster is not polled");
    // Nothing moved partitions meanwhile: loaded once (the old poll every 5 s would have loaded it twice).
    assert.equal(
      requests.filter((path) => path === "/partitions/load").length,
      1,
      `the partitions' load loads on changes, not on a timer: ${requests}`,
    );
    await check("04c-broker-map-live");

    // The cap: while the token holds its EVENT_STREAMS_PER_TOKEN (8) streams elsewhere, the page's stream is
    // refused (429), the page says why and polls instead; once they close it is live again.
    await page.goto(`${url}/settings`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
    const held: Response[] = [];
    try {
      await waitFor(
        "the token's 8 streams held",
        async () => {
          const answer = await fetch(`${url}/v1/operations/events?limit=1`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          // A 429 here: the page's last stream is not closed on the server yet.
          if (answer.status === 200) held.push(answer);
          else await answer.body?.cancel();
          return held.length === 8;
        },
        15_000,
      );
      const polled: string[] = [];
      const onRequest = (request: { url(): string }) => {
        if (new URL(request.url()).pathname === `/v1/clusters/${clusterId}/brokers`) polled.push("brokers");
      };
      page.on("request", onRequest);
      await page.goto(`${url}/clusters/${clusterId}`);
      await page
        .getByRole("status")
        .filter({ hasText: /Live updates unavailable \(Too many requests: .*event streams open/ })
        .waitFor({ timeout: 15_000 });
      await waitFor(
        "three ACTIVE brokers, polled",
        async () => (await page.locator("tbody tr", { hasText: "ACTIVE" }).count()) === 3,
        15_000,
      );
      await waitFor("the brokers polled while the stream is refused", async () => polled.length >= 2, 15_000);
      page.off("request", onRequest);
      await check("04d-cluster-overview-polling");
    } finally {
      for (const answer of held) await answer.body?.cancel();
    }
    await page.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
  });

  it("creates a topic from the Topics tab, shows its partitions and leaders, produces a message and browses it", async () => {
    await page.getByRole("link", { name: "Topics" }).click();
    await page.getByText("No topic yet").waitFor();
    await page.getByLabel("Name").fill("orders");
    await page.getByLabel("Partitions").fill("6");
    await page.getByRole("button", { name: "Create topic" }).click();
    await page.getByRole("link", { name: "orders" }).waitFor();
    await check("05-topics");
    await page.getByRole("link", { name: "orders" }).click();
    await page.getByRole("heading", { name: "orders" }).waitFor();
    await waitFor(
      "every partition led",
      async () => (await page.locator("tbody tr td:nth-child(2)", { hasText: /^\d+$/ }).count()) === 6,
      60_000,
    );
    // Produce from the page and see the record in the message browser, shown as JSON.
    await page.getByText("No message in this range").waitFor({ timeout: 30_000 });
    // The whole form from the keyboard: the key, two headers added (a new row's name takes the focus), a third
    // added and removed (the focus goes back to "Add header"), the value, then Produce.
    await page.getByLabel("Key", { exact: true }).focus();
    await page.keyboard.type("order-1");
    await tabThrough(page, [["Add header"]]);
    await page.keyboard.press("Enter");
    await page.keyboard.type("source");
    await tabThrough(page, [["Header 1 value", "console"], ["Remove header 1"], ["Add header"]]);
    await page.keyboard.press("Enter");
    await page.keyboard.type("trace");
    await tabThrough(page, [["Header 2 value", "a=b"], ["Remove header 2"], ["Add header"]]);
    await page.keyboard.press("Enter");
    await page.keyboard.type("dropped");
    await check("06a-produce-headers");
    await tabThrough(page, [["Header 3 value"], ["Remove header 3"]]);
    await page.keyboard.press("Enter");
    assert.equal(await page.getByLabel("Header 3 name").count(), 0);
    assert.equal(await focusedName(page), "Add header");
    await tabThrough(page, [["Value", '{"item":"book","qty":2}'], ["Produce"]]);
    await page.keyboard.press("Enter");
    await page.getByText("Written at offset 0 of partition 0.").waitFor({ timeout: 30_000 });
    await page.getByLabel("Show as").selectOption("json");
    const row = page.locator("table.messages tbody tr").first();
    await row.waitFor();
    assert.equal(await row.locator("td").first().textContent(), "0");
    assert.match((await row.textContent()) ?? "", /order-1/);
    assert.match((await row.textContent()) ?? "", /"qty": 2/);
    assert.match((await row.textContent()) ?? "", /source=console/);
    assert.match((await row.textContent()) ?? "", /trace=a=b/);
    assert.doesNotMatch((await row.textContent()) ?? "", /dropped/);
    await check("06-topic");

    // Configs: Kafka's rules refuse a bad value at its row; a good one is saved and shown.
    await page.getByRole("button", { name: "Edit configs" }).click();
    await page.getByRole("button", { name: "Add config" }).click();
    const last = page.getByRole("form", { name: "Topic configs" }).locator(".inline-form").last();
    await last.getByLabel("Name").fill("retention.ms");
    await last.getByLabel("Value").fill("soon");
    await page.getByRole("button", { name: "Save configs" }).click();
    await last
      .getByRole("alert")
      .filter({ hasText: /retention\.ms/ })
      .waitFor();
    await check("06b-topic-configs-invalid");
    await last.getByLabel("Value").fill("600000");
    await page.getByRole("button", { name: "Save configs" }).click();
    await page.getByRole("button", { name: "Edit configs" }).waitFor();
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const saved = await api<{ configs: Record<string, string> }>(
      "GET",
      `/v1/clusters/${clusterId}/topics/orders`,
    );
    assert.equal(saved.configs["retention.ms"], "600000");
  });

  it("browses a partition from a time: exactly the records at or after it (API and page)", async () => {
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await api("POST", `/v1/clusters/${clusterId}/topics`, { name: "timeline", partitions: 1 });
    const { bootstrap } = await api<{ bootstrap: string }>("GET", `/v1/clusters/${clusterId}`);
    const kafka = new Kafka({
      clientId: "console-e2e-time",
      brokers: bootstrap.split(","),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    // Six records a minute apart in one batch: the time chosen falls inside it, so the broker's ListOffsets
    // must answer the record's offset, not the batch's.
    const base = Date.UTC(2026, 0, 15, 10, 0, 0);
    try {
      await producer.connect();
      await producer.send({
        topic: "timeline",
        acks: -1,
        messages: Array.from({ length: 6 }, (_, i) => ({
          key: `k${i}`,
          value: `event-${i}`,
          timestamp: String(base + i * 60_000),
        })),
      });
    } finally {
      await producer.disconnect();
    }
    type MessagesPage = {
      endOffset: number;
      timestampOffset?: number;
      messages: { offset: number; timestamp: number }[];
    };
    const messages = `/v1/clusters/${clusterId}/topics/timeline/partitions/0/messages`;
    const middle = await api<MessagesPage>("GET", `${messages}?timestamp=${base + 150_000}`);
    assert.deepEqual(
      middle.messages.map((m) => [m.offset, m.timestamp]),
      [5, 4, 3].map((i) => [i, base + i * 60_000]),
    );
    assert.equal(middle.timestampOffset, 3);
    const late = await api<MessagesPage>(
      "GET",
      `${messages}?timestamp=${new Date(base + 3_600_000).toISOString()}`,
    );
    assert.deepEqual(late.messages, []);
    assert.equal(late.timestampOffset, 6);
    assert.equal(late.endOffset, 6);
    const bad = await fetch(`${url}${messages}?timestamp=2026-01-15T10:00`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get("content-type") ?? "", /application\/problem\+json/);

    await page.goto(`${url}/clusters/${clusterId}/topics/timeline`);
    await page.getByRole("heading", { name: "timeline" }).waitFor();
    const rows = page.locator("table.messages tbody tr");
    const offsetsShown = async () => rows.locator("td:first-child").allTextContents();
    await waitFor("the six records, newest first", async () => (await offsetsShown()).length === 6, 30_000);
    // The field takes the browser's local time: write the middle time as the browser's zone shows it.
    const localTime = (ms: number) =>
      page.evaluate((at) => {
        const d = new Date(at);
        const two = (n: number) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
      }, ms);
    await page.getByLabel("From time").fill(await localTime(base + 150_000));
    await waitFor(
      "exactly the records from 10:03 on",
      async () => JSON.stringify(await offsetsShown()) === JSON.stringify(["5", "4", "3"]),
      30_000,
    );
    assert.deepEqual(
      (await rows.locator("td:nth-child(4)").allTextContents()).map((v) => v.trim()),
      ["event-5", "event-4", "event-3"],
    );
    await page.getByText("From offset 3, the first at or after the time").waitFor();
    await check("06c-topic-from-time");
    await page.getByLabel("From time").fill(await localTime(base + 3_600_000));
    await page.getByText("No message at or after this time: the partition ends at offset 6.").waitFor({
      timeout: 30_000,
    });
    await page.getByLabel("From time").fill("");
    await waitFor("the newest again", async () => (await offsetsShown()).length === 6, 30_000);

    // The partitions table: log start and end offsets from the leader, and the record count between them.
    const partitionRow = page.locator("table:not(.messages) tbody tr").first();
    await waitFor(
      "partition 0's offsets 0 to 6, six records",
      async () => {
        const cells = await partitionRow.locator("td").allTextContents();
        return cells[0] === "0" && cells[3] === "0" && cells[4] === "6" && cells[5] === "6";
      },
      30_000,
    );

    // Filters, applied by the API as it scans: text (case-insensitive), a JSON field, and the live tail with them.
    await page.getByLabel("Value contains").fill("EVENT-4");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await waitFor("only event-4", async () => JSON.stringify(await offsetsShown()) === '["4"]', 30_000);
    await page.getByText(/Scanned offsets 0 to 5 \(6 records, .*\): 1 match, nothing more/).waitFor();
    await check("06d-topic-filtered");
    const filtered = await api<MessagesPage & { scan: { from: number; to: number; records: number } }>(
      "GET",
      `${messages}?key=K2&limit=5`,
    );
    assert.deepEqual(
      filtered.messages.map((m) => m.offset),
      [2],
    );
    assert.deepEqual([filtered.scan.from, filtered.scan.to, filtered.scan.records], [0, 6, 6]);
    await api("POST", messages, { key: "u-42", value: JSON.stringify({ user: { id: 42 }, note: "first" }) });
    await page.getByLabel("Value contains").fill("");
    await page.getByLabel("JSON field").fill("$.user.id == 42");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await waitFor(
      "the JSON record only",
      async () => JSON.stringify(await offsetsShown()) === '["6"]',
      30_000,
    );
    // Live: a matching record written elsewhere shows up with the filter on; one that does not match does not.
    await api("POST", messages, { value: JSON.stringify({ user: { id: 7 } }) });
    await api("POST", messages, { value: JSON.stringify({ user: { id: "42" }, note: "second" }) });
    await waitFor(
      "the live tail, filtered",
      async () => JSON.stringify(await offsetsShown()) === '["8","6"]',
      30_000,
    );
    await page.getByLabel("JSON field").fill("user.id");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /querystring\/json must be/ })
      .waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Clear filters" }).click();
    await waitFor("every record again", async () => (await offsetsShown()).length === 9, 30_000);
  });

  it("adds partitions to a topic (fewer is refused at the field) and deletes the topic after a confirmation", async () => {
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.goto(`${url}/clusters/${clusterId}/topics/timeline`);
    await page.getByRole("heading", { name: "timeline" }).waitFor();
    const total = page.getByLabel("Total partitions");
    const partitionRows = page.locator("table:not(.messages) tbody tr");
    await waitFor("its one partition", async () => (await partitionRows.count()) === 1, 30_000);
    await total.fill("1");
    await page.getByRole("button", { name: "Add partitions" }).click();
    await waitFor(
      "the refusal at the field",
      async () => (await total.getAttribute("aria-invalid")) === "true",
      10_000,
    );
    assert.ok(
      ((await page.locator("#p-total-error").textContent()) ?? "").length > 0,
      "the API's reason shown",
    );
    await total.fill("3");
    await page.getByRole("button", { name: "Add partitions" }).click();
    await waitFor("three partitions", async () => (await partitionRows.count()) === 3, 30_000);
    await page.getByText("Now 3; partitions can be added, never removed.").waitFor();
    const grown = await api<{ partitions: unknown[] }>("GET", `/v1/clusters/${clusterId}/topics/timeline`);
    assert.equal(grown.partitions.length, 3);
    await check("06e-topic-partitions-added");

    await page.goto(`${url}/clusters/${clusterId}/topics`);
    await page
      .getByRole("row", { name: /^timeline / })
      .getByRole("button", { name: "Delete" })
      .click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Delete timeline" }).waitFor();
    await check("06f-topic-delete-dialog");
    await dialog.getByRole("button", { name: "Delete timeline" }).click();
    await page.getByRole("link", { name: "timeline" }).waitFor({ state: "detached", timeout: 30_000 });
    const gone = await fetch(`${url}/v1/clusters/${clusterId}/topics/timeline`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(gone.status, 404);
  });

  it("shows a consumer group's members, committed offsets and lag", async () => {
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const { bootstrap } = await api<{ bootstrap: string }>("GET", `/v1/clusters/${clusterId}`);
    const kafka = new Kafka({
      clientId: "console-e2e",
      brokers: bootstrap.split(","),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: "console-e2e" });
    let received = 0;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: "orders", fromBeginning: true });
      await consumer.run({
        eachMessage: async () => {
          received++;
        },
      });
      await waitFor("the produced message consumed", async () => received >= 1, 60_000);
      await page.goto(`${url}/clusters/${clusterId}/groups`);
      await page.getByRole("link", { name: "console-e2e" }).click();
      const row = page.locator("tbody tr", { hasText: "orders-0" });
      await waitFor(
        "offset 1 committed with no lag",
        async () => {
          const cells = await row.locator("td").allTextContents();
          return cells[1] === "1" && cells[2] === "1" && cells[3] === "0";
        },
        60_000,
      );
      await page.getByText("console-e2e", { exact: false }).first().waitFor();
      assert.ok(
        (await page.locator("tbody tr", { hasText: "orders: " }).count()) >= 1,
        "a member with its assignment",
      );
      await check("07-consumer-group");

      // Offset reset: a dry run while the consumer runs, refused (409) when executed, then run on the empty group.
      await page.getByLabel("Move to").selectOption("earliest");
      await page.getByLabel("Topics").selectOption("orders");
      const previewRow = page
        .getByRole("table", { name: "Offset reset preview" })
        .locator("tbody tr", { hasText: "orders-0" });
      await page.getByRole("button", { name: "Preview" }).click();
      await previewRow.waitFor();
      assert.deepEqual(await previewRow.locator("td").allTextContents(), ["orders-0", "1", "0", "-1"]);
      await check("07b-offset-reset-preview");
      await page.getByRole("button", { name: /^Reset \d+ partitions?$/ }).click();
      await page.getByRole("button", { name: "Reset offsets" }).waitFor();
      await check("07b2-offset-reset-dialog");
      await page.getByRole("button", { name: "Reset offsets" }).click();
      await page
        .getByRole("alert")
        .filter({ hasText: /only while it has no member/ })
        .waitFor();
      await page.getByRole("button", { name: "Cancel" }).click();
      await consumer.disconnect();
      await waitFor(
        "the group empty once its member left",
        async () =>
          (await api<{ state: string }>("GET", `/v1/clusters/${clusterId}/consumer-groups/console-e2e`))
            .state === "Empty",
        60_000,
      );
      await page.getByRole("button", { name: "Preview" }).click();
      await previewRow.waitFor();
      await page.getByRole("button", { name: /^Reset \d+ partitions?$/ }).click();
      await page.getByRole("button", { name: "Reset offsets" }).click();
      await page.getByRole("status").filter({ hasText: /reset/ }).waitFor();
      await waitFor(
        "offset 0 committed, the message lagging again",
        async () => {
          const cells = await row.locator("td").allTextContents();
          return cells[1] === "0" && cells[3] === "1";
        },
        30_000,
      );
      await check("07c-offset-reset-done");

      // The same dry-run form from the groups list: reset the empty group to the latest offsets.
      await page.goto(`${url}/clusters/${clusterId}/groups`);
      await page.getByRole("button", { name: "Reset offsets of console-e2e" }).click();
      await page.getByLabel("Move to").selectOption("latest");
      await page.getByLabel("Topics").selectOption("orders");
      await page.getByRole("button", { name: "Preview" }).click();
      await previewRow.waitFor();
      const preview = await previewRow.locator("td").allTextContents();
      assert.deepEqual(preview.slice(0, 3), ["orders-0", "0", "1"]);
      await check("07d-groups-tab-reset-preview");
      await page.getByRole("button", { name: /^Reset \d+ partitions?$/ }).click();
      await page.getByRole("button", { name: "Reset offsets", exact: true }).click();
      await page.getByRole("status").filter({ hasText: /reset/ }).waitFor();
      const committed = await api<{
        partitions: { topic: string; partition: number; committedOffset: number }[];
      }>("GET", `/v1/clusters/${clusterId}/consumer-groups/console-e2e`);
      assert.equal(
        committed.partitions.find((p) => p.topic === "orders" && p.partition === 0)?.committedOffset,
        1,
      );
    } finally {
      await consumer.disconnect();
    }
  });

  it("draws the broker map", async () => {
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.goto(`${url}/clusters/${clusterId}/map`);
    await page.getByRole("region", { name: "Broker 0" }).or(page.locator(".map-column").first()).waitFor();
    // The orders topic's 6 partitions, beside the group coordinator's __consumer_offsets.
    await waitFor(
      "every partition drawn",
      async () => (await page.locator('.tiles li[title^="orders-"]').count()) === 6,
      10_000,
    );
    await check("08-broker-map");
  });

  it("simulates a spot reclaim and shows its drain operation until it finishes", async () => {
    const clusterId = /clusters\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.goto(`${url}/clusters/${clusterId}`);
    await page.getByRole("button", { name: "Simulate spot reclaim" }).first().click();
    await page.getByRole("dialog").getByRole("button", { name: "Reclaim" }).waitFor();
    await check("09a-spot-reclaim-dialog");
    await page.getByRole("dialog").getByRole("button", { name: "Reclaim" }).click();
    await page.getByRole("dialog").waitFor({ state: "hidden", timeout: 15_000 });
    // The timeline is live without polling: one event stream (SSE over fetch, with the token), no list requests.
    const operationRequests: string[] = [];
    const record = (request: { url(): string }) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith("/v1/operations")) operationRequests.push(path);
    };
    page.on("request", record);
    await page.goto(`${url}/operations?cluster=${clusterId}`);
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
    // The notice makes the control plane drain the broker (its partitions move away before the kill).
    const drain = page.locator("article.operation", { hasText: "broker.drain" }).first();
    await drain.waitFor({ timeout: 60_000 });
    await screenshot(page, "09-operations-running");
    await drain.locator("header .status", { hasText: "SUCCEEDED" }).waitFor({ timeout: 240_000 });
    page.off("request", record);
    assert.deepEqual(operationRequests, ["/v1/operations/events"], "one stream, no polling");
    await check("10-operations");
    // Its inputs as a table of names and values.
    await drain.getByText("Why: inputs").click();
    const inputs = drain.getByRole("table", { name: "The operation's inputs" });
    await inputs.getByRole("rowheader", { name: "brokerId" }).waitFor();
    await drain.getByText("Why: inputs").click();
    // The autoscaler's holds (idle brokers at their minimum) carry the figures behind them: a decision table.
    const hold = page.locator("article.operation", { hasText: "cluster.scale-hold" }).first();
    await hold.waitFor({ timeout: 120_000 });
    await hold.getByText("Why: inputs").click();
    const figures = hold.getByRole("table", { name: "The figures the scaling decision was made on" });
    assert.match((await figures.getByRole("row", { name: /^Brokers/ }).textContent()) ?? "", /held/);
    assert.ok(
      (await figures
        .getByRole("rowheader", { name: /^Network in \+ out per broker, period 1 of/ })
        .count()) === 1,
      "each evaluation period against the band",
    );
    await check("10b-operation-inputs");
  });

  it("previews a rebalance plan with moves, executes it and watches it succeed", async () => {
    const clusterId = /cluster=([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.goto(`${url}/clusters/${clusterId}`);
    await waitFor(
      "three ACTIVE brokers again",
      async () => (await page.locator("tbody tr", { hasText: "ACTIVE" }).count()) === 3,
      180_000,
    );
    await page.getByRole("link", { name: "Rebalance" }).click();
    await page.getByText("Partitions led per broker, before and after").waitFor();
    await waitFor(
      "a plan with moves (the replacement broker leads nothing yet)",
      async () => {
        if (
          (await page
            .getByRole("caption")
            .filter({ hasText: /moves$/ })
            .count()) > 0
        )
          return true;
        await page.getByRole("button", { name: "Preview again" }).click();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return false;
      },
      60_000,
    );
    await check("11-rebalance-plan");
    const watched: string[] = [];
    const record = (request: { url(): string }) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith("/v1/operations")) watched.push(path);
    };
    page.on("request", record);
    await page.getByRole("button", { name: "Execute plan" }).click();
    const running = page.locator("article.operation", { hasText: "cluster.rebalance" });
    await running.waitFor();
    await running.locator("header .status", { hasText: "SUCCEEDED" }).waitFor({ timeout: 120_000 });
    page.off("request", record);
    // Watched over its event stream (reopened only if it broke), never polled.
    assert.ok(watched.length >= 1, "the operation was watched");
    for (const path of watched) assert.match(path, /^\/v1\/operations\/[0-9a-f-]{36}\/events$/);
    await check("12-rebalance-done");
  });

  it("adds and deletes a SCRAM user and an ACL on the Security tab; what it writes is what the API serves", async () => {
    const clusterId =
      /clusters\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? /cluster=([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.goto(`${url}/clusters/${clusterId}`);
    await page.getByRole("link", { name: "Security" }).click();
    await page.getByText("No SCRAM user yet").waitFor();
    await page.getByText("No ACL:").waitFor();
    await page.getByLabel("User name", { exact: true }).fill("alice");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Save user" }).click();
    await page.locator("#u-password-error").waitFor(); // the API's validation, at the field
    await page.getByLabel("Password", { exact: true }).fill("alice-password");
    await page.getByLabel("Mechanism", { exact: true }).selectOption("SCRAM-SHA-512");
    await page.getByRole("button", { name: "Save user" }).click();
    await page.getByRole("row", { name: /alice SCRAM-SHA-512/ }).waitFor();
    await page.getByLabel("Principal", { exact: true }).fill("User:alice");
    await page.getByLabel("Operation", { exact: true }).selectOption("WRITE");
    await page.getByLabel("Pattern", { exact: true }).selectOption("PREFIXED");
    await page.getByLabel("Resource name", { exact: true }).fill("orders-");
    await page.getByRole("button", { name: "Add ACL" }).click();
    const row = page.getByRole("row", { name: /User:alice ALLOW WRITE TOPIC orders-\*/ });
    await row.waitFor();
    const acls = await api<{ items: { principal: string; operation: string; patternType: string }[] }>(
      "GET",
      `/v1/clusters/${clusterId}/acls`,
    );
    assert.deepEqual(
      acls.items.map((a) => [a.principal, a.operation, a.patternType]),
      [["User:alice", "WRITE", "PREFIXED"]],
    );
    await check("13-security");
    await row.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete ACL" }).waitFor();
    await check("13b-acl-delete-dialog");
    await page.getByRole("dialog").getByRole("button", { name: "Delete ACL" }).click();
    await page.getByText("No ACL:").waitFor();
    const userRow = page.getByRole("row", { name: /alice SCRAM-SHA-512/ });
    await userRow.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete user" }).click();
    await page.getByText("No SCRAM user yet").waitFor();
    assert.deepEqual((await api<{ items: unknown[] }>("GET", `/v1/clusters/${clusterId}/users`)).items, []);
  });

  it("is readable on a phone: every main page fits the screen's width, screenshot and axe-checked", async () => {
    const { items } = await api<{ items: { id: string; name: string }[] }>("GET", "/v1/clusters");
    const clusterId = items.find((c) => c.name === "web")!.id;
    const cluster = `/clusters/${clusterId}`;
    // Each page with what shows once it has loaded (its data, not its loading state).
    const pages: [name: string, path: string, ready: (p: Page) => Promise<void>][] = [
      ["clusters", "/", (p) => p.getByRole("row", { name: /^web / }).getByText("RUNNING").waitFor()],
      ["overview", cluster, (p) => p.locator("tbody tr", { hasText: "ACTIVE" }).first().waitFor()],
      ["broker-map", `${cluster}/map`, (p) => p.locator(".tiles li").first().waitFor()],
      ["topics", `${cluster}/topics`, (p) => p.getByRole("link", { name: "orders" }).waitFor()],
      ["topic", `${cluster}/topics/orders`, (p) => p.locator("table.messages tbody tr").first().waitFor()],
      ["groups", `${cluster}/groups`, (p) => p.getByRole("link", { name: "console-e2e" }).waitFor()],
      [
        "group",
        `${cluster}/groups/console-e2e`,
        (p) => p.locator("tbody tr", { hasText: "orders-0" }).waitFor(),
      ],
      [
        "rebalance",
        `${cluster}/rebalance`,
        (p) => p.getByText("Partitions led per broker, before and after").waitFor(),
      ],
      ["security", `${cluster}/security`, (p) => p.getByRole("heading", { name: "SCRAM users" }).waitFor()],
      ["operations", "/operations", (p) => p.locator("article.operation").first().waitFor()],
      ["settings", "/settings", (p) => p.locator("tbody tr").first().waitFor()],
    ];
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    phone.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      await phone.goto(`${url}/`);
      await phone.getByLabel("API token").waitFor();
      // Nothing wider than the screen: no sideways scrolling of the page (wide tables scroll inside themselves).
      // Every page is looked at before the test fails, so that its message names all that is wrong.
      const problems: string[] = [];
      const fits = async (name: string) => {
        const { overflow, culprits } = await overflowPast(phone, 390);
        if (overflow > 1)
          problems.push(`${name} is ${overflow}px wider than the phone: ${culprits.join(", ")}`);
      };
      const accessible = async (name: string) => {
        for (const v of await seriousViolations(phone)) problems.push(`${name}: ${JSON.stringify(v)}`);
      };
      await fits("the login page");
      await screenshot(phone, "p01-login-phone");
      await accessible("the login page");
      await signInOn(phone, ADMIN_TOKEN, url);
      for (const [i, [name, path, ready]] of pages.entries()) {
        await phone.goto(`${url}${path}`);
        await ready(phone);
        await fits(name);
        await screenshot(phone, `p${String(i + 2).padStart(2, "0")}-${name}-phone`);
        await accessible(name);
      }
      assert.deepEqual(problems, [], "every page readable on a phone");
    } finally {
      await phone.close();
    }
  });

  it("is readable on a phone and keeps settings' tokens", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/settings`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
    await page.getByLabel("Name").fill("ci");
    await page.getByLabel("Scope").selectOption("viewer");
    assert.equal(
      await page.getByLabel("Expires").inputValue(),
      "30",
      "a new token expires in 30 days unless told",
    );
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText("shown this once").waitFor();
    const ci = page.getByRole("row", { name: /ci viewer .* in 30 days/ });
    await ci.waitFor();
    const { overflow, culprits } = await overflowPast(page, 390);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone: ${culprits.join(", ")}`);
    await check("14-settings-phone");
    // A dialog on the phone: revoking the token asks first.
    await ci.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).waitFor();
    await check("14a-revoke-dialog-phone");
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("row", { name: /ci viewer .* revoked/ }).waitFor();
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("signs a page out when its token is revoked while its live stream is open (the stream's error event)", async () => {
    const { secret, token } = await api<{ secret: string; token: { id: string } }>("POST", "/v1/tokens", {
      name: "revoked-live",
      scope: "viewer",
    });
    const other = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    other.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      await signInOn(other, secret, url);
      await other.goto(`${url}/operations`);
      await other.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
      const after: string[] = [];
      other.on("request", (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith("/v1/")) after.push(path);
      });
      await api("DELETE", `/v1/tokens/${token.id}`);
      await other.getByRole("heading", { name: "Cirrus console" }).waitFor({ timeout: 10_000 });
      // Signed out by the stream's last event, not by a failed reconnect or another request.
      assert.deepEqual(after, [], "no request between the revocation and the sign-out");
      await screenshot(other, "14b-revoked-signed-out");
    } finally {
      await other.close();
    }
  });

  it("signs a page out when its token expires, and the login page says it expired", async () => {
    const { secret } = await api<{ secret: string }>("POST", "/v1/tokens", {
      name: "expiring",
      scope: "viewer",
      expiresAt: Date.now() + 10_000,
    });
    const other = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    other.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      await signInOn(other, secret, url);
      await other.goto(`${url}/operations`);
      // Its live stream (or any request) is refused with TOKEN_EXPIRED once the 10 s are up: signed out, told why.
      await other.getByRole("heading", { name: "Cirrus console" }).waitFor({ timeout: 30_000 });
      await other.getByRole("status").filter({ hasText: "Your API token has expired" }).waitFor();
      // The same token is refused again at the field, as expired rather than unknown.
      await other.getByLabel("API token").fill(secret);
      await other.getByRole("button", { name: "Sign in" }).click();
      await other.getByText("This token has expired").waitFor();
      await screenshot(other, "14c-expired-signed-out");
      assert.deepEqual(await seriousViolations(other), [], "the login page after an expiry");
    } finally {
      await other.close();
    }
  });

  it("warns within a day of the token's expiry with the time left, and renews it without a sign-out", async () => {
    const { secret, token } = await api<{ secret: string; token: { id: string } }>("POST", "/v1/tokens", {
      name: "expiring-soon",
      scope: "viewer",
      expiresAt: Date.now() + 5 * 60 * 60 * 1000,
    });
    const other = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    other.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      await signInOn(other, secret, url);
      const warning = other.getByRole("status").filter({ hasText: /Your API token expires in [45] h\./ });
      await warning.waitFor({ timeout: 15_000 });
      // The list's stream is open with the old token when it is renewed.
      await other.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
      await screenshot(other, "16-token-expiry-warning");
      // A viewer token renews for at most the lifetime it was given (5 h): there is no longer one to choose.
      assert.equal(await other.getByLabel("New lifetime").count(), 0, "no lifetime choice for a viewer");
      assert.deepEqual(await seriousViolations(other), [], "the page with the expiry warning");

      await warning.getByRole("button", { name: "Renew token" }).click();
      await other
        .getByRole("status")
        .filter({ hasText: /API token renewed: it now expires in [45] h\./ })
        .waitFor();
      const renewed = await other.evaluate(() => sessionStorage.getItem("cirrus.token"));
      assert.ok(renewed && renewed !== secret, "the session holds the new secret");
      // Still signed in, the list live again (its stream reopened with the new secret), no warning.
      await other.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
      assert.equal(await other.getByRole("button", { name: "Sign out" }).count(), 1, "not signed out");
      assert.equal(await other.getByRole("button", { name: "Renew token" }).count(), 0);
      await screenshot(other, "16b-token-renewed");
      assert.deepEqual(await seriousViolations(other), [], "the page after the renewal");

      const withOld = await fetch(`${url}/v1/clusters`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(withOld.status, 401, "the old secret is revoked");
      const withNew = await fetch(`${url}/v1/tokens/current`, {
        headers: { authorization: `Bearer ${renewed}` },
      });
      const view = (await withNew.json()) as { id: string; name: string; scope: string; expiresAt: number };
      assert.notEqual(view.id, token.id);
      assert.equal(view.name, "expiring-soon");
      assert.equal(view.scope, "viewer");
      // A reload keeps the renewed session.
      await other.reload();
      await other.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
      assert.equal(await other.getByRole("button", { name: "Sign out" }).count(), 1);
    } finally {
      await other.close();
    }
  });

  it("renews an admin token for a chosen lifetime, and another tab signed in with it moves to the new one", async () => {
    const { secret } = await api<{ secret: string }>("POST", "/v1/tokens", {
      name: "two-tabs",
      scope: "admin",
      expiresAt: Date.now() + 5 * 60 * 60 * 1000,
    });
    // Two tabs of one browser: each keeps its own sessionStorage, both signed in with the same secret.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const sessionOf = (tab: Page) => tab.evaluate(() => sessionStorage.getItem("cirrus.token"));
    try {
      const first = await context.newPage();
      const second = await context.newPage();
      for (const tab of [first, second]) {
        tab.on("pageerror", (error) => pageErrors.push(error.message));
        await signInOn(tab, secret, url);
      }
      // The second tab holds the old secret in a live stream when the first renews it.
      await second.goto(`${url}/operations`);
      await second.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
      const warning = first.getByRole("status").filter({ hasText: /Your API token expires in [45] h\./ });
      await warning.waitFor({ timeout: 15_000 });
      // An admin token chooses the new lifetime, its own (5 h) by default.
      const lifetime = first.getByLabel("New lifetime");
      assert.equal(await lifetime.inputValue(), "same");
      await lifetime.selectOption("7");
      await screenshot(first, "16c-token-renew-lifetime");
      assert.deepEqual(await seriousViolations(first), [], "the expiry warning with its lifetime choice");
      const asked = Date.now();
      await warning.getByRole("button", { name: "Renew token" }).click();
      await first
        .getByRole("status")
        .filter({ hasText: "API token renewed: it now expires in 7 days." })
        .waitFor();
      const renewed = await sessionOf(first);
      assert.ok(renewed && renewed !== secret, "the first tab holds the new secret");
      const view = (await (
        await fetch(`${url}/v1/tokens/current`, { headers: { authorization: `Bearer ${renewed}` } })
      ).json()) as { expiresAt: number };
      const week = 7 * 24 * 60 * 60 * 1000;
      assert.ok(
        view.expiresAt >= asked + week && view.expiresAt <= Date.now() + week,
        `expires 7 days after the renewal: ${view.expiresAt - asked}`,
      );

      // The second tab: moved to the new secret, not signed out; its stream live again, its warning gone.
      await waitFor(
        "the second tab on the new secret",
        async () => (await sessionOf(second)) === renewed,
        10_000,
      );
      await second.getByRole("status").filter({ hasText: "● Live" }).waitFor({ timeout: 15_000 });
      await second
        .getByRole("button", { name: "Renew token" })
        .waitFor({ state: "detached", timeout: 10_000 });
      // Longer than the stream's reconnect (2 s): the old secret's refusal did not end the session meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.equal(await second.getByRole("button", { name: "Sign out" }).count(), 1, "not signed out");
      assert.match(second.url(), /\/operations$/);
      await screenshot(second, "16d-token-renewed-other-tab");
    } finally {
      await context.close();
    }
  });

  it("deletes the cluster after a confirmation", async () => {
    await page.goto(`${url}/`);
    await page.getByRole("link", { name: "web" }).waitFor();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Deletion protection is on").waitFor();
    await check("15-delete-confirm");
    await dialog.getByRole("button", { name: "Delete web" }).click();
    await page.getByRole("heading", { name: "No cluster yet" }).waitFor({ timeout: 180_000 });
    assert.deepEqual(pageErrors, [], "no script error on any page");
  });
});
