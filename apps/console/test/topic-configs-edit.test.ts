import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configsBody, rowOfError } from "../src/pages/topic-configs-edit.ts";

describe("topic configs editor", () => {
  it("sends every named row, trimmed, and skips blank rows", () => {
    assert.deepEqual(
      configsBody([
        { name: " retention.ms ", value: " 5000 " },
        { name: "", value: "" },
        { name: "cleanup.policy", value: "compact" },
      ]),
      { configs: { "retention.ms": "5000", "cleanup.policy": "compact" } },
    );
  });
  it("refuses a value without a name and a name set twice", () => {
    assert.deepEqual(configsBody([{ name: "", value: "7" }]), {
      error: 'A config with value "7" has no name.',
    });
    assert.deepEqual(
      configsBody([
        { name: "retention.ms", value: "1" },
        { name: "retention.ms", value: "2" },
      ]),
      { error: "retention.ms is set twice." },
    );
  });
  it("finds the row an error names, the longest name first", () => {
    const rows = [
      { name: "retention.ms", value: "x" },
      { name: "retention.bytes", value: "1" },
      { name: "local.retention.ms", value: "1" },
    ];
    assert.equal(rowOfError("Invalid value x for configuration retention.ms", rows), 0);
    assert.equal(rowOfError("local.retention.ms must not exceed retention.ms", rows), 2);
    assert.equal(rowOfError("something else", rows), -1);
  });
});
