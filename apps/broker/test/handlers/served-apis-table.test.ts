// The README's table of served Kafka APIs is the broker's ApiVersions answer: both come from the handler
// maps the broker runs (index.ts) and the codec's version ranges (advertisedApiVersions). A new handler, or a
// codec version change, fails this test until the table says so.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { ApiKey } from "@cirrus/kafka-protocol";
import { groupHandlers } from "../../src/handlers/group-handlers.ts";
import { advertisedApiVersions, coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { transactionHandlers } from "../../src/handlers/transaction-handlers.ts";

const names = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key as number, name]));

function servedTable(): string {
  const served = advertisedApiVersions(mergeHandlers(coreHandlers, groupHandlers, transactionHandlers));
  const rows = served
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((r) => `| ${r.apiKey} | ${names.get(r.apiKey) ?? "?"} | ${r.minVersion}–${r.maxVersion} |`);
  return ["| key | API | versions |", "| --- | --- | --- |", ...rows].join("\n");
}

test("the README's table of served Kafka APIs is what ApiVersions advertises", async () => {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const match = /<!-- served-apis:start -->\n([\s\S]*?)\n<!-- served-apis:end -->/.exec(readme);
  assert.ok(match, "README.md has the served-apis markers");
  assert.equal(match[1], servedTable(), `README.md should hold:\n${servedTable()}`);
});
