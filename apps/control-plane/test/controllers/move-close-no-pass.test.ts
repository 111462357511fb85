// A move's close completion assigns its target and wakes no runner pass: the move's operation cannot finish
// before the target opened the partition, and a pass then (every controller and operation step, on the
// control plane's one database) would only compete with that open inside the write-unavailable window.
// A drain's completion still wakes one (its operation is done once its broker's partitions closed:
// drain-wave-wakeup.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  onePartitionOnTwoBrokers,
  useListeningControlPlane,
  watchAssignmentsUntil,
} from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_test-admin-token-for-the-move-close-pass-suite";

describe("a named move's close", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN, { overrides: { reconcileIntervalMs: 60_000 } });

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
    // Every runner wake-up goes through wakeControllers: count those from the close on.
    const context = server.cp.app.context;
    const wake = context.wakeControllers;
    let wakes = 0;
    context.wakeControllers = () => {
      wakes++;
      wake();
    };

    await client.closeStream(p.streamId, p.leaderEpoch);
    const onB = await watchAssignmentsUntil(
      client,
      b,
      await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 }),
      (x) => x.open.length === 1,
      10_000,
    );
    assert.equal(onB.open[0]?.leaderEpoch, p.leaderEpoch + 1, "the target is assigned at the close");
    // The completion pass that assigned it is over (a wake-up would have come from inside it).
    await context.moveCompletion.idle();
    assert.equal(wakes, 0, "no runner pass woken by the close");
  });
});
