// A source that closes a moving partition's stream in its tail commit (POST /internal/v1/objects/commit-stream-set
// with closeStreams: one round trip, not commit then close) finishes the move at once, as a close on its own
// does: the target is assigned while the runner's pass is held (no pass reaches the operation meanwhile).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  apiRequest,
  type ListeningControlPlane,
  onePartitionOnTwoBrokers,
  startListeningControlPlane,
  watchAssignmentsUntil,
} from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_test-admin-token-for-the-close-with-tail-suite";

describe("a move's source closing in its tail commit", { timeout: 60_000 }, () => {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = false;
  let server: ListeningControlPlane;
  before(async () => {
    server = await startListeningControlPlane(ADMIN, {
      overrides: { reconcileIntervalMs: 60_000 },
      controllers: () => [{ name: "hold", reconcile: async () => (holding ? held : undefined) }],
    });
  });
  after(async () => {
    release();
    await server.close();
  });
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> =>
    (await apiRequest(server.url, ADMIN)(method, path, body)).body;

  it("assigns the target at once", async () => {
    const { clusterId, client, a, b, onA, p } = await onePartitionOnTwoBrokers(
      apiRequest(server.url, ADMIN),
      server.url,
      "tail",
    );
    await api("POST", `/v1/clusters/${clusterId}/partitions/moves`, {
      moves: [{ topic: "t", partition: 0, to: b.brokerId }],
    });
    const released = await watchAssignmentsUntil(client, a, onA, (x) => x.close.length === 1);
    holding = true;
    server.cp.runner.wake();

    const objectId = await client.prepareObjects(1, 60_000);
    await client.commitStreamSetObject({
      objectId,
      objectSize: 10,
      nodeId: a.brokerId,
      nodeEpoch: a.epoch,
      ranges: [
        {
          streamId: p.streamId,
          streamEpoch: p.leaderEpoch,
          startOffset: 0,
          endOffset: 3,
          position: 0,
          length: 10,
        },
      ],
      streamObjects: [],
      compactedObjectIds: [],
      closeStreams: [{ streamId: p.streamId, epoch: p.leaderEpoch }],
    });
    const stream = await client.describeStream(p.streamId);
    assert.deepEqual([stream.state, stream.endOffset], ["CLOSED", 3]);
    const first = await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 });
    const onB = await watchAssignmentsUntil(client, b, first, (x) =>
      x.open.some((o) => o.streamId === p.streamId),
    );
    const assigned = onB.open.find((o) => o.streamId === p.streamId);
    assert.ok(assigned, "the target is assigned without a runner pass");
    assert.equal(assigned.leaderEpoch, p.leaderEpoch + 1);
    assert.equal(released.close.length, 1);
  });
});
