// The interruption-notice poll: each notice delivered once, a changed notice delivered again, failed reads
// logged and retried, and stop() ending it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InterruptionPoller } from "../../src/node-identity/interruption-poller.ts";
import type { InterruptionNotice, NodeIdentitySource } from "../../src/node-identity/node-identity.ts";

/** An in-memory source whose notices (or failure) the test sets. */
function source(): NodeIdentitySource & { standing: InterruptionNotice[]; failing: boolean; reads: number } {
  return {
    provider: "aws",
    standing: [],
    failing: false,
    reads: 0,
    async describe() {
      return { provider: "aws", instanceId: "i-1", zone: "z", privateAddress: "10.0.0.1", lifecycle: "spot" };
    },
    async notices() {
      this.reads++;
      if (this.failing) throw new Error("metadata service away");
      return [...this.standing];
    },
    async proof() {
      return undefined;
    },
  };
}

const spot = (at: string): InterruptionNotice => ({
  kind: "spot-interruption",
  instanceId: "i-1",
  at,
  action: "terminate",
});

describe("InterruptionPoller", () => {
  it("delivers each notice once, and a notice with a new time again", async () => {
    const src = source();
    const delivered: InterruptionNotice[] = [];
    const poller = new InterruptionPoller({
      source: src,
      everyMs: 1_000,
      onNotice: (n) => delivered.push(n),
      log: () => {},
    });
    assert.deepEqual(await poller.pollOnce(), []);
    src.standing = [spot("2026-12-06T22:00:00.000Z")];
    await poller.pollOnce();
    await poller.pollOnce();
    assert.deepEqual(delivered, [spot("2026-12-06T22:00:00.000Z")]);
    src.standing = [spot("2026-12-06T23:00:00.000Z")];
    await poller.pollOnce();
    assert.equal(delivered.length, 2);
  });

  it("keeps polling on its period through failed reads, and stops", async () => {
    const src = source();
    src.failing = true;
    const logged: string[] = [];
    const delivered: InterruptionNotice[] = [];
    const poller = new InterruptionPoller({
      source: src,
      everyMs: 20,
      onNotice: (n) => delivered.push(n),
      log: (message) => logged.push(message),
    });
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.ok(logged.length >= 2, `failed reads are logged (${logged.length})`);
    src.failing = false;
    src.standing = [spot("2026-12-06T22:00:00.000Z")];
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(delivered.length, 1);
    await poller.stop();
    const reads = src.reads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(src.reads, reads, "no read after stop");
  });
});
