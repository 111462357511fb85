// GET /internal/v1/metadata with `movedFrom` and `streams`: a move's source waiting for its successor. The answer
// is held while the control plane still announces the source as the partition's leader, and comes as soon as the
// target's stream open commits (woken by it, well before the wait's end), naming the target.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { onePartitionOnTwoBrokers, useListeningControlPlane } from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_test-admin-token-for-the-metadata-successor-suite";
/** Far longer than any step below: an answer before it proves a wake-up, not the wait's end. */
const WAIT_MS = 20_000;

describe("a move's source waiting for its successor", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN, { overrides: { reconcileIntervalMs: 60_000 } });

  const leaderOf = (metadata: { topics: { name: string; partitions: { leaderBrokerId: number }[] }[] }) =>
    metadata.topics.find((t) => t.name === "t")?.partitions[0]?.leaderBrokerId;

  it("is answered when the target opens the stream, naming the target", async () => {
    const { clusterId, client, a, b, p } = await onePartitionOnTwoBrokers(server.api, server.url, "succ");
    const moved = await server.api("POST", `/v1/clusters/${clusterId}/partitions/moves`, {
      moves: [{ topic: "t", partition: 0, to: b.brokerId }],
    });
    assert.equal(moved.status, 202);
    const startedAt = performance.now();
    let answeredAt: number | undefined;
    const waiting = client
      .metadata({ movedFrom: a.brokerId, streamIds: [p.streamId], waitMs: WAIT_MS })
      .then((metadata) => {
        answeredAt = performance.now();
        return metadata;
      });
    // The source closes; the target is assigned the partition and opens it.
    await client.closeStream(p.streamId, p.leaderEpoch);
    let onB = await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 });
    while (!onB.open.some((o) => o.streamId === p.streamId))
      onB = await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: onB.version, waitMs: 5_000 });
    assert.equal(answeredAt, undefined, "held while the source is still announced as the leader");
    const assigned = onB.open.find((o) => o.streamId === p.streamId)!;
    await client.openStream(p.streamId, assigned.leaderEpoch, b.brokerId);

    const metadata = await waiting;
    assert.equal(leaderOf(metadata), b.brokerId);
    assert.ok(answeredAt! - startedAt < WAIT_MS / 2, `answered at the open (${answeredAt! - startedAt} ms)`);
  });

  it("is answered at once when the stream is led by another broker already", async () => {
    const { client, a, b, p } = await onePartitionOnTwoBrokers(server.api, server.url, "elsewhere");
    const metadata = await client.metadata({
      movedFrom: b.brokerId,
      streamIds: [p.streamId],
      waitMs: WAIT_MS,
    });
    assert.equal(leaderOf(metadata), a.brokerId);
  });

  it("ends with the metadata as it is when nothing opens within waitMs", async () => {
    const { client, a, p } = await onePartitionOnTwoBrokers(server.api, server.url, "timeout");
    const metadata = await client.metadata({ movedFrom: a.brokerId, streamIds: [p.streamId], waitMs: 200 });
    assert.equal(leaderOf(metadata), a.brokerId);
  });

  it("refuses a malformed stream list (problem+json)", async () => {
    const { client, a } = await onePartitionOnTwoBrokers(server.api, server.url, "bad");
    await assert.rejects(
      client.metadata({ movedFrom: a.brokerId, streamIds: [], waitMs: 100 }),
      (error: { status?: number; code?: string }) => {
        assert.equal(error.status, 400);
        return true;
      },
    );
  });
});
