import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BrokerApiError, BrokerApiErrorCode, ControlPlaneClient } from "@cirrus/broker-api";
import { ErrorCode, StreamStorageError } from "@cirrus/s3stream";
import {
  type ListeningControlPlane,
  startListeningControlPlane,
} from "../helpers/listening-control-plane.ts";
import { localSpec } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";
import { objectManagerSuite } from "../objects/object-manager-suite.ts";

const ADMIN = "cpt_test-admin-token-for-the-client-suite";

for (const backend of testBackends()) {
  describe(`ControlPlaneClient against a listening control plane on ${backend}`, { timeout: 120_000 }, () => {
    let controlPlane: ListeningControlPlane;
    let baseUrl: string;

    /** A new cluster and a client holding its broker credential. */
    async function newCluster(name: string): Promise<{ clusterId: string; client: ControlPlaneClient }> {
      const response = await fetch(`${baseUrl}/v1/clusters`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ name, spec: localSpec }),
      });
      assert.equal(response.status, 202);
      const body = (await response.json()) as { cluster: { id: string }; brokerToken: string };
      return {
        clusterId: body.cluster.id,
        client: new ControlPlaneClient({ baseUrl, token: body.brokerToken, retryBackoffMs: 10 }),
      };
    }
    const broker = (n: number) => ({
      instanceId: `i-${n}`,
      zone: "zone-a",
      host: "127.0.0.1",
      port: 9090 + n,
    });

    before(async () => {
      controlPlane = await startListeningControlPlane(ADMIN, {
        backend,
        overrides: { leaseMs: 3_000, reconcileIntervalMs: 50 },
      });
      baseUrl = controlPlane.url;
    });
    after(() => controlPlane.close());

    it("registers, heartbeats, and fences an old epoch after re-registration", async () => {
      const { client } = await newCluster("reg");
      const first = await client.register(broker(1));
      assert.equal(first.epoch, 1);
      assert.equal(first.leaseMs, 3_000);
      const beat = await client.heartbeat(first.brokerId, { epoch: 1 });
      assert.ok(beat.leaseUntil > Date.now());
      const second = await client.register(broker(1));
      assert.equal(second.brokerId, first.brokerId);
      assert.equal(second.epoch, 2);
      const error = await client.heartbeat(first.brokerId, { epoch: 1 }).catch((e: unknown) => e);
      assert.ok(error instanceof BrokerApiError);
      assert.equal(error.code, BrokerApiErrorCode.BROKER_FENCED);
      assert.equal(error.fenced, true);
      const unknown = await client.heartbeat(999, { epoch: 1 }).catch((e: unknown) => e);
      assert.ok(unknown instanceof BrokerApiError);
      assert.equal(unknown.code, BrokerApiErrorCode.BROKER_NOT_FOUND);
    });

    it("refuses a wrong broker credential with 401", async () => {
      const client = new ControlPlaneClient({ baseUrl, token: "cbt_wrong", retries: 0 });
      const error = await client.metadata().catch((e: unknown) => e);
      assert.ok(error instanceof BrokerApiError);
      assert.equal(error.code, BrokerApiErrorCode.UNAUTHORIZED);
    });

    it("wakes an assignment watch well under a second after a topic is created", async () => {
      const { client } = await newCluster("watch");
      const { brokerId, epoch } = await client.register(broker(1));
      const initial = await client.watchAssignments(brokerId, { epoch, after: -1 });
      assert.deepEqual(initial.open, []);
      const started = Date.now();
      const watching = client.watchAssignments(brokerId, { epoch, after: initial.version, waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const topic = await client.createTopic({ name: "orders", partitions: 3 });
      const changed = await watching;
      const latency = Date.now() - started - 50;
      assert.ok(latency < 1_000, `watch answered after ${latency} ms`);
      assert.ok(changed.version > initial.version);
      assert.deepEqual(
        changed.open.map((p) => p.partition),
        [0, 1, 2],
      );
      assert.equal(changed.open[0]!.streamId, topic.partitions[0]!.streamId);
      assert.equal(changed.open[0]!.leaderEpoch, 1);
      const timedOut = await client.watchAssignments(brokerId, {
        epoch,
        after: changed.version,
        waitMs: 100,
      });
      assert.equal(timedOut.version, changed.version, "a watch with nothing new returns the same version");
    });

    it("serves metadata and the Kafka admin calls", async () => {
      const { clusterId, client } = await newCluster("admin");
      const a = await client.register(broker(1));
      const b = await client.register(broker(2));
      await client.createTopic({ name: "t1", partitions: 4, configs: { "retention.ms": "60000" } });
      const dup = await client.createTopic({ name: "t1", partitions: 1 }).catch((e: unknown) => e);
      assert.ok(dup instanceof BrokerApiError);
      assert.equal(dup.code, BrokerApiErrorCode.TOPIC_ALREADY_EXISTS);
      const dry = await client.createTopic({ name: "t2", partitions: 2, validateOnly: true });
      assert.equal(dry.partitions.length, 2);
      const grown = await client.addPartitions("t1", { totalCount: 6 });
      assert.equal(grown.partitions.length, 6);
      const shrink = await client.addPartitions("t1", { totalCount: 2 }).catch((e: unknown) => e);
      assert.ok(shrink instanceof BrokerApiError);
      assert.equal(shrink.code, BrokerApiErrorCode.INVALID_PARTITIONS);
      const md = await client.metadata();
      assert.equal(md.clusterId, clusterId);
      assert.deepEqual(
        md.brokers.map((x) => [x.brokerId, x.port]),
        [
          [a.brokerId, 9091],
          [b.brokerId, 9092],
        ],
      );
      assert.deepEqual(
        md.topics.map((t) => t.name),
        ["t1"],
        "validateOnly wrote nothing",
      );
      const leaders = md.topics[0]!.partitions.map((p) => p.leaderBrokerId);
      assert.equal(leaders.filter((l) => l === a.brokerId).length, 3, "partitions spread evenly");
      assert.equal(leaders.filter((l) => l === b.brokerId).length, 3);
      await client.deleteTopic("t1");
      assert.deepEqual((await client.metadata()).topics, []);
      const missing = await client.deleteTopic("t1").catch((e: unknown) => e);
      assert.ok(missing instanceof BrokerApiError);
      assert.equal(missing.code, BrokerApiErrorCode.UNKNOWN_TOPIC);
    });

    it("enforces Kafka's topic rules on the brokers' admin calls, as on the REST API", async () => {
      const { client } = await newCluster("rules");
      const refused = async (call: Promise<unknown>, code: string, detail: RegExp) => {
        const error = await call.then(
          () => assert.fail("accepted"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof BrokerApiError);
        assert.equal(error.problemCode, code);
        assert.match(error.message, detail);
      };
      await refused(client.createTopic({ name: "..", partitions: 1 }), "INVALID_REQUEST", /not allowed/);
      await refused(
        client.createTopic({ name: "t", partitions: 1, configs: { "no.such.config": "1" } }),
        "INVALID_REQUEST",
        /Unknown topic config name/,
      );
      await refused(
        client.createTopic({ name: "t", partitions: 1, configs: { "retention.ms": "banana" } }),
        "INVALID_REQUEST",
        /Not a number of type LONG/,
      );
      // The broker creates the offsets topic itself (FindCoordinator); nobody deletes or grows it.
      await client.createTopic({ name: "__consumer_offsets", partitions: 3 });
      await refused(client.deleteTopic("__consumer_offsets"), "INVALID_REQUEST", /prohibited/);
      await refused(
        client.addPartitions("__consumer_offsets", { totalCount: 4 }),
        "INVALID_REQUEST",
        /prohibited/,
      );
      const md = await client.metadata();
      assert.deepEqual(
        md.topics.map((x) => [x.name, x.partitions.length]),
        [["__consumer_offsets", 3]],
      );
    });

    it("changes topic configs for AlterConfigs / IncrementalAlterConfigs, with the REST API's validation", async () => {
      const { clusterId, client } = await newCluster("configs");
      await client.register(broker(1));
      await client.createTopic({ name: "c", partitions: 1, configs: { "retention.ms": "60000" } });
      const changed = await client.alterTopicConfigs("c", {
        changes: [
          { name: "cleanup.policy", op: "append", value: "compact" },
          { name: "retention.ms", op: "delete", value: null },
          { name: "min.cleanable.dirty.ratio", op: "set", value: "0.3" },
        ],
        replace: false,
      });
      assert.deepEqual(changed.configs, {
        "cleanup.policy": "delete,compact",
        "min.cleanable.dirty.ratio": "0.3",
      });
      const dry = await client.alterTopicConfigs("c", {
        changes: [{ name: "segment.ms", op: "set", value: "10" }],
        replace: true,
        validateOnly: true,
      });
      assert.deepEqual(dry.configs, { "segment.ms": "10" }, "validateOnly answers what the set would be");
      const stored = (await client.metadata()).topics.find((t) => t.name === "c")!;
      assert.deepEqual(stored.configs, changed.configs, "validateOnly wrote nothing");
      for (const [changes, detail] of [
        [[{ name: "no.such", op: "set", value: "1" }], /Unknown topic config name: no\.such/],
        [[{ name: "retention.ms", op: "append", value: "1" }], /append is not allowed/],
        [
          [
            { name: "min.compaction.lag.ms", op: "set", value: "9" },
            { name: "max.compaction.lag.ms", op: "set", value: "1" },
          ],
          /min\.compaction\.lag\.ms should be less/,
        ],
      ] as const) {
        const error = await client
          .alterTopicConfigs("c", { changes: changes as never, replace: false })
          .catch((e: unknown) => e);
        assert.ok(error instanceof BrokerApiError);
        assert.equal(error.problemCode, "INVALID_REQUEST");
        assert.match(error.message, detail);
      }
      const missing = await client
        .alterTopicConfigs("gone", { changes: [], replace: false })
        .catch((e: unknown) => e);
      assert.ok(missing instanceof BrokerApiError);
      assert.equal(missing.code, BrokerApiErrorCode.UNKNOWN_TOPIC);
      // The REST API's replace goes through the same change and the same rules.
      const patch = (configs: object) =>
        fetch(`${baseUrl}/v1/clusters/${clusterId}/topics/c`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
          body: JSON.stringify({ configs }),
        });
      const bad = await patch({ "message.timestamp.type": "Whenever" });
      assert.equal(bad.status, 400);
      assert.match(
        ((await bad.json()) as { detail: string }).detail,
        /String must be one of: CreateTime, LogAppendTime/,
      );
      const good = await patch({ "message.timestamp.type": "LogAppendTime" });
      assert.equal(good.status, 200);
      assert.deepEqual(((await good.json()) as { configs: object }).configs, {
        "message.timestamp.type": "LogAppendTime",
      });
    });

    it("refuses object commits from a fenced broker epoch", async () => {
      const { client } = await newCluster("fence");
      const old = await client.register(broker(1));
      const { streamId } = await client.createStream();
      await client.openStream(streamId, 1, old.brokerId);
      await client.register(broker(1)); // restart: epoch 2 fences epoch 1
      const objectId = await client.prepareObjects(1, 60_000);
      const error = await client
        .commitStreamSetObject({
          objectId,
          objectSize: 10,
          nodeId: old.brokerId,
          nodeEpoch: old.epoch,
          ranges: [{ streamId, streamEpoch: 1, startOffset: 0, endOffset: 5, position: 0, length: 10 }],
          streamObjects: [],
          compactedObjectIds: [],
        })
        .catch((e: unknown) => e);
      assert.ok(error instanceof StreamStorageError);
      assert.equal(error.code, ErrorCode.STREAM_FENCED);
      assert.equal((await client.describeStream(streamId)).endOffset, 0);
    });

    it("fences a broker whose lease expires and moves its partitions to a live broker", async () => {
      const { client } = await newCluster("lease");
      const dying = await client.register(broker(1));
      await client.createTopic({ name: "t", partitions: 2 });
      const survivor = await client.register(broker(2));
      const before = await client.watchAssignments(survivor.brokerId, { epoch: survivor.epoch, after: -1 });
      assert.equal(before.open.length, 0, "partitions stay with their first leader");
      // Only the survivor heartbeats; the other's 3 s lease runs out.
      const beat = setInterval(
        () => void client.heartbeat(survivor.brokerId, { epoch: survivor.epoch }).catch(() => {}),
        100,
      );
      try {
        const moved = await client.watchAssignments(survivor.brokerId, {
          epoch: survivor.epoch,
          after: before.version,
          waitMs: 10_000,
        });
        assert.equal(moved.open.length, 2);
        assert.ok(
          moved.open.every((p) => p.leaderEpoch === 2),
          "a new leader epoch fences the old owner",
        );
        const error = await client.heartbeat(dying.brokerId, { epoch: dying.epoch }).catch((e: unknown) => e);
        assert.ok(error instanceof BrokerApiError);
        assert.equal(error.code, BrokerApiErrorCode.BROKER_FENCED);
        const md = await client.metadata();
        assert.equal(md.brokers.find((b) => b.brokerId === dying.brokerId)!.state, "FENCED");
      } finally {
        clearInterval(beat);
      }
    });

    it("keeps a fenced broker's partitions for failover when it has a WAL volume", async () => {
      const { clusterId, client } = await newCluster("failover");
      const dying = await client.register({ ...broker(1), volumeId: "vol-1" });
      await client.createTopic({ name: "t", partitions: 2 });
      const survivor = await client.register(broker(2));
      const beat = setInterval(
        () => void client.heartbeat(survivor.brokerId, { epoch: survivor.epoch }).catch(() => {}),
        100,
      );
      try {
        const deadline = Date.now() + 10_000;
        let state = "";
        while (state !== "FENCED" && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          state = (await client.metadata()).brokers.find((b) => b.brokerId === dying.brokerId)!.state;
        }
        assert.equal(state, "FENCED");
        const md = await client.metadata();
        assert.ok(
          md.topics[0]!.partitions.every((p) => p.leaderBrokerId === -1),
          "clients see no leader until the volume is recovered",
        );
        const onSurvivor = await client.watchAssignments(survivor.brokerId, {
          epoch: survivor.epoch,
          after: -1,
        });
        assert.equal(onSurvivor.open.length, 0, "nothing is reassigned before the WAL is replayed");
        const ops = await fetch(`${baseUrl}/v1/operations?clusterId=${clusterId}`, {
          headers: { authorization: `Bearer ${ADMIN}` },
        }).then(
          (r) =>
            r.json() as Promise<{ items: { type: string; input: { brokerId: number; volumeId: string } }[] }>,
        );
        const failovers = ops.items.filter((o) => o.type === "broker.failover");
        assert.equal(failovers.length, 1, "one failover operation, not one per pass");
        assert.deepEqual(
          [failovers[0]!.input.brokerId, failovers[0]!.input.volumeId],
          [dying.brokerId, "vol-1"],
        );
      } finally {
        clearInterval(beat);
      }
    });

    describe("as an ObjectManager (the shared suite, over HTTP)", () => {
      objectManagerSuite(async () => ({
        manager: (await newCluster(`om-${crypto.randomUUID().slice(0, 8)}`)).client,
      }));
    });
  });
}
