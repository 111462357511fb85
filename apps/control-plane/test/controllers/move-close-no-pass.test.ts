// A move's close completion assigns its target and wakes no runner pass: the move's operation cannot finish
// before the target opened the partition, and a pass then (every controller and operation step, on the
// control plane's one database) would only compete with that open inside the write-unavailable window.
// A drain's completion still wakes one (its operation is done once its broker's partitions closed:
// drain-wave-wakeup.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  onePartitionOnTwoBrokers,
  useListeningControlPlane,
  watchAssignmentsUntil,
} from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_test-admin-token-for-the-move-close-pass-suite";

describe("a named move's close", { timeout: 60_000 }, () => {
  const passes: number[] = [];
  const server = useListeningControlPlane(ADMIN, {
    overrides: { reconcileIntervalMs: 60_000 },
    controllers: () => [{ name: "count", reconcile: async () => void passes.push(performance.now()) }],
  });

  it("assigns the target without waking a runner pass", async () => {
    const { clusterId, client, a, b, onA, p } = await onePartitionOnTwoBrokers(
      server.api,
      server.url,
      "close",
    );
    const moved = await server.api("POST", `/v1/clusters/${clusterId}/partitions/moves`, {
      moves: [{ topic: "t", partition: 0, to: b.brokerId }],
    });
    assert.equal(moved.status, 202);
    const released = await watchAssignmentsUntil(client, a, onA, (x) => x.open.length === 0, 10_000);
    assert.equal(released.close.length, 1, "the move's pass released it");
    // The pass that released the move (woken by the request) is over once nothing more comes for a while.
    let seen = -1;
    while (seen !== passes.length) {
      seen = passes.length;
      await sleep(200);
    }

    await client.closeStream(p.streamId, p.leaderEpoch);
    const onB = await watchAssignmentsUntil(
      client,
      b,
      await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 }),
      (x) => x.open.length === 1,
      10_000,
    );
    assert.equal(onB.open[0]?.leaderEpoch, p.leaderEpoch + 1, "the target is assigned at the close");
    await sleep(300);
    assert.equal(passes.length, seen, "no runner pass woken by the close");
  });
});
