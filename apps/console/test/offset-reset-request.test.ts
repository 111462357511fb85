import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resetRequest } from "../src/pages/offset-reset-request.ts";

const fields = { target: "earliest", when: "", offset: "", topic: "" } as const;

describe("offset reset form → request", () => {
  it("builds earliest and latest for every committed partition or one topic", () => {
    assert.deepEqual(resetRequest(fields, true), { body: { target: { type: "earliest" }, dryRun: true } });
    assert.deepEqual(resetRequest({ ...fields, target: "latest", topic: "orders" }, false), {
      body: { target: { type: "latest" }, dryRun: false, topics: ["orders"] },
    });
  });
  it("turns the local date and time into epoch milliseconds", () => {
    const when = "2026-12-06T10:30";
    assert.deepEqual(resetRequest({ ...fields, target: "timestamp", when }, true), {
      body: { target: { type: "timestamp", timestamp: new Date(when).getTime() }, dryRun: true },
    });
  });
  it("names the field when the time or the offset is missing or wrong", () => {
    assert.deepEqual(resetRequest({ ...fields, target: "timestamp" }, true), {
      error: { field: "when", message: "Choose a date and time." },
    });
    for (const offset of ["", "-1", "1.5", "ten"])
      assert.deepEqual(resetRequest({ ...fields, target: "offset", offset }, true), {
        error: { field: "offset", message: "An offset is a whole number, 0 or more." },
      });
    assert.deepEqual(resetRequest({ ...fields, target: "offset", offset: "42" }, true), {
      body: { target: { type: "offset", offset: 42 }, dryRun: true },
    });
  });
});
