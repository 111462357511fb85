// A move's operation finishes as soon as its target opened the partition: the stream open wakes the runner, so
// the operation does not wait for the runner's next interval (a minute here). The close's completion wakes no
// runner pass for a move (the pass would only compete with the target's open), only for a drain.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getOperation } from "../../src/services/operations.ts";
import {
  onePartitionOnTwoBrokers,
  useListeningControlPlane,
  watchAssignmentsUntil,
} from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_test-admin-token-for-the-move-open-suite";

describe("a named move's operation", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN, { overrides: { reconcileIntervalMs: 60_000 } });

  it("succeeds right after its target opened the partition, without waiting for the runner's interval", async () => {
    const { clusterId, client, a, b, onA, p } = await onePartitionOnTwoBrokers(
      server.api,
      server.url,
      "opens",
    );
    const moved = await server.api("POST", `/v1/clusters/${clusterId}/partitions/moves`, {
      moves: [{ topic: "t", partition: 0, to: b.brokerId }],
    });
    assert.equal(moved.status, 202);
    const op = (moved.body as unknown as { id: string }).id;
    await watchAssignmentsUntil(client, a, onA, (x) => x.open.length === 0, 10_000);
    await client.closeStream(p!.streamId, p!.leaderEpoch);

    const onB = await watchAssignmentsUntil(
      client,
      b,
      await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 }),
      (x) => x.open.length === 1,
      10_000,
    );
    const [target] = onB.open;
    assert.ok(target!.leaderEpoch > p!.leaderEpoch);
    assert.equal((await getOperation(server.testDb.database.db, op))!.status, "RUNNING", "not opened yet");
    await client.openStream(target!.streamId, target!.leaderEpoch, b.brokerId);

    const deadline = Date.now() + 10_000;
    let status = "";
    while (status !== "SUCCEEDED" && Date.now() < deadline) {
      status = (await getOperation(server.testDb.database.db, op))!.status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, "SUCCEEDED");
  });
});
