// The README's table of served Kafka APIs is the broker's ApiVersions answer: both come from the handler
// maps the broker runs (index.ts) and the codec's version ranges (advertisedApiVersions). A new handler, or a
// codec version change, fails this test until the table says so.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { ApiKey } from "@cirrus/kafka-protocol";
import { advertisedApiVersions, coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { servedExtraHandlers } from "../../src/index.ts";

const names = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key as number, name]));

/** The table's rows as cells (the formatter pads columns, so the text itself is not compared). */
function servedRows(): string[][] {
  const served = advertisedApiVersions(
    // The very list startBroker serves, so a handler map added there is checked here too.
    mergeHandlers(coreHandlers, ...servedExtraHandlers),
  );
  return served
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((r) => [String(r.apiKey), names.get(r.apiKey) ?? "?", `${r.minVersion}–${r.maxVersion}`]);
}

const cellsOf = (table: string): string[][] =>
  table
    .split("\n")
    .slice(2) // header and separator
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

test("the README's table of served Kafka APIs is what ApiVersions advertises", async () => {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const match = /<!-- served-apis:start -->\n([\s\S]*?)\n<!-- served-apis:end -->/.exec(readme);
  assert.ok(match, "README.md has the served-apis markers");
  const expected = servedRows();
  const table = [
    "| key | API | versions |",
    "| --- | --- | --- |",
    ...expected.map((r) => `| ${r.join(" | ")} |`),
  ];
  assert.deepEqual(cellsOf(match[1]!), expected, `README.md should hold:\n${table.join("\n")}`);
});
