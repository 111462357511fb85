import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Operation } from "../src/api/types.ts";
import { applyOperationEvent, applyTimelineEvent, operationFinished } from "../src/pages/operation-events.ts";

const op = (id: string, createdAt: number, updatedAt: number, status: Operation["status"] = "RUNNING") =>
  ({ id, createdAt, updatedAt, status }) as Operation;
const event = (name: string, data: unknown) => ({ event: name, data: JSON.stringify(data) });

describe("operations timeline events", () => {
  it("takes the snapshot, then puts each operation in by id, newest created first", () => {
    let list = applyTimelineEvent(
      undefined,
      event("snapshot", { items: [op("b", 20, 20), op("a", 10, 10)] }),
    );
    list = applyTimelineEvent(list, event("operation", op("c", 30, 30)));
    list = applyTimelineEvent(list, event("operation", op("a", 10, 15, "SUCCEEDED")));
    assert.deepEqual(
      list?.map((o) => [o.id, o.status]),
      [
        ["c", "RUNNING"],
        ["b", "RUNNING"],
        ["a", "SUCCEEDED"],
      ],
    );
  });
  it("keeps the newer state when an older one comes late, and ignores other events", () => {
    const list = [op("a", 10, 15, "SUCCEEDED")];
    assert.equal(applyTimelineEvent(list, event("operation", op("a", 10, 12))), list);
    assert.equal(applyTimelineEvent(list, event("message", {})), list);
  });
  it("follows one operation until it has finished", () => {
    let one = applyOperationEvent(undefined, event("operation", op("a", 1, 1)));
    assert.equal(operationFinished(one), false);
    one = applyOperationEvent(one, event("operation", op("a", 1, 5, "FAILED")));
    assert.equal(applyOperationEvent(one, event("operation", op("a", 1, 3))), one);
    assert.equal(operationFinished(one), true);
    assert.equal(operationFinished(undefined), false);
  });
});
