// Closes that arrive while a completion pass runs are served by one more pass right after it: a drain's
// hundred closes cost a few transactions on the cluster lock, not a hundred.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MoveCompletion } from "../../src/services/move-completion.ts";

describe("MoveCompletion", () => {
  it("coalesces requests during a pass into one more pass, per cluster", async () => {
    const passes: string[] = [];
    const completion = new MoveCompletion(
      async (clusterId) => {
        passes.push(clusterId);
        await sleep(30);
      },
      () => assert.fail("no error expected"),
    );
    for (let i = 0; i < 100; i++) completion.request("a");
    completion.request("b");
    await completion.idle();
    assert.deepEqual(
      passes.sort(),
      ["a", "a", "b"],
      "a's first pass, then one for the 99 that came meanwhile",
    );
    completion.request("a");
    await completion.idle();
    assert.equal(
      passes.filter((c) => c === "a").length,
      3,
      "a request after the passes ended runs a new one",
    );
  });

  it("a failed pass is reported and does not stop later ones", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const completion = new MoveCompletion(
      async () => {
        calls++;
        if (calls === 1) throw new Error("database away");
      },
      (_clusterId, error) => errors.push(error),
    );
    completion.request("a");
    await completion.idle();
    completion.request("a");
    await completion.idle();
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
  });
});
