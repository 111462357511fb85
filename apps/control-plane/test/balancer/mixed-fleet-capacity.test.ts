// A fleet of several instance types: each broker's instance type comes from the provider's instance list
// (recordBrokerInstanceTypes, run by the provisioner), and the balancer gives each broker its own type's
// baseline bandwidth as capacity, so a broker on a 4× larger type carries about 4× the traffic. A spec that
// configures the capacity, or a type not known yet, falls back to one capacity for all brokers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { DEFAULT_CONFIG } from "../../src/config.ts";
import { recordBrokerInstanceTypes } from "../../src/controllers/provisioner/broker-instance-types.ts";
import { brokers, clusters, partitions } from "../../src/db/schema.ts";
import { brokerCapacityByType, providerBaselineCapacity } from "../../src/services/balancer-settings.ts";
import { registerBroker } from "../../src/services/brokers.ts";
import { createCluster } from "../../src/services/clusters.ts";
import { recordPartitionLoad } from "../../src/services/partition-load.ts";
import { planRebalance } from "../../src/services/rebalance.ts";
import { createTopic } from "../../src/services/topics.ts";
import { localSpec } from "../controllers/provisioner/provisioner-kit.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

const MB = 1_000_000;
const LEASE_MS = 3_600_000;
const BASELINE: Record<string, number> = { big: 400 * MB, small: 100 * MB };
/** The provider's baseline by type (as aws/aliyun's tables): unknown types throw there, undefined here. */
const capacityOf = (_spec: unknown, type?: string) => (type === undefined ? 100 * MB : BASELINE[type]);

describe("balancer capacity per broker in a mixed fleet", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids = new Map<string, number>();
  const now = Date.now();

  before(async () => {
    testDb = await createTestDatabase("pglite");
    const db = testDb.database.db;
    const spec = localSpec({ instanceTypes: ["big", "small"] });
    const { cluster } = await createCluster(db, { name: "mixed", spec, deletionProtection: false }, null);
    clusterId = cluster.id;
    await db.update(clusters).set({ state: "RUNNING" }).where(eq(clusters.id, clusterId));
    for (const instanceId of ["i-big", "i-small"]) {
      const broker = { instanceId, zone: "local-a", host: "127.0.0.1", port: 9092 };
      ids.set(instanceId, (await registerBroker(db, clusterId, broker, LEASE_MS)).response.brokerId);
    }
    await createTopic(db, clusterId, { name: "t", partitions: 10 });
    for (const p of await db.select().from(partitions).where(eq(partitions.clusterId, clusterId))) {
      await recordPartitionLoad(db, clusterId, p.leaderBrokerId, now, [
        { topicId: p.topicId, partition: p.partition, bytesInPerSec: 10 * MB, bytesOutPerSec: 10 * MB },
      ]);
    }
  });
  after(() => testDb.drop());

  const plan = () =>
    planRebalance(testDb.database.db, clusterId, { config: DEFAULT_CONFIG, now: now + 1_000, capacityOf });
  /** Utilization is load over capacity (the traffic window weighs the samples by age: compare ratios). */
  const capacityOfBroker = (b: { bytesInPerSec: number; inUtilization: number }) =>
    Math.round(b.bytesInPerSec / b.inUtilization);
  const loadOf = (loads: { brokerId: number; bytesInPerSec: number; inUtilization: number }[], id: string) =>
    loads.find((b) => b.brokerId === ids.get(id))!;

  it("without known types, every broker has the fleet's capacity and equal load is balanced", async () => {
    const view = await plan();
    const [big, small] = [loadOf(view.before, "i-big"), loadOf(view.before, "i-small")];
    assert.equal(big.bytesInPerSec, small.bytesInPerSec, "the topic's leaders are spread evenly");
    assert.equal(capacityOfBroker(big), 100 * MB, "the spec's smallest type's");
    assert.equal(capacityOfBroker(small), 100 * MB);
    assert.deepEqual(view.moves, []);
  });

  it("records each broker's instance type from the provider, writing only rows that differ", async () => {
    const db = testDb.database.db;
    const listed = [
      { id: "i-big", instanceType: "big" },
      { id: "i-small", instanceType: "small" },
      { id: "i-elsewhere", instanceType: "big" },
    ];
    assert.equal(await recordBrokerInstanceTypes(db, "00000000-0000-4000-8000-000000000000", listed), 0);
    assert.equal(await recordBrokerInstanceTypes(db, clusterId, listed), 2);
    assert.equal(await recordBrokerInstanceTypes(db, clusterId, listed), 0, "steady: nothing written");
    assert.equal(
      await recordBrokerInstanceTypes(db, clusterId, [{ id: "i-big", instanceType: "" }]),
      0,
      "a type the provider does not give leaves the row alone",
    );
    const rows = await db.select().from(brokers).where(eq(brokers.clusterId, clusterId));
    assert.deepEqual(rows.map((r) => [r.instanceId, r.instanceType]).sort(), [
      ["i-big", "big"],
      ["i-small", "small"],
    ]);
  });

  it("gives each broker its type's capacity: the larger one takes about 4× the traffic", async () => {
    const view = await plan();
    const [big, small] = [loadOf(view.before, "i-big"), loadOf(view.before, "i-small")];
    assert.equal(capacityOfBroker(big), 400 * MB);
    assert.equal(capacityOfBroker(small), 100 * MB);
    assert.ok(view.moves.length > 0);
    for (const m of view.moves)
      assert.equal(m.to, ids.get("i-big"), `${JSON.stringify(m)} goes to the big one`);
    const [bigAfter, smallAfter] = [loadOf(view.after, "i-big"), loadOf(view.after, "i-small")];
    // 100 MB/s over 400 + 100 MB/s of capacity: 80 and 20 MB/s, in steps of one 10 MB/s partition
    assert.equal(view.moves.length, 3);
    assert.ok(Math.abs(bigAfter.bytesInPerSec / smallAfter.bytesInPerSec - 4) < 1e-9);
    assert.ok(Math.abs(bigAfter.inUtilization - smallAfter.inUtilization) < 1e-9);
  });

  it("a capacity the spec configures is every broker's, whatever its type", async () => {
    const db = testDb.database.db;
    const spec = localSpec({
      instanceTypes: ["big", "small"],
      balancing: { brokerNetworkBytesPerSec: 200 * MB },
    });
    await db.update(clusters).set({ spec }).where(eq(clusters.id, clusterId));
    const view = await plan();
    assert.equal(capacityOfBroker(loadOf(view.before, "i-big")), 200 * MB);
    assert.equal(capacityOfBroker(loadOf(view.before, "i-small")), 200 * MB);
    assert.deepEqual(view.moves, []);
  });
});

it("the provider's baseline is asked for one type when given one, for the spec's smallest otherwise", () => {
  const providers = {
    providerFor: () => ({
      baselineBandwidth: (type: string) => {
        if (!(type in BASELINE)) throw new Error(`no baseline bandwidth known for ${type}`);
        return BASELINE[type]!;
      },
    }),
  };
  const capacity = providerBaselineCapacity(providers);
  const spec = localSpec({ instanceTypes: ["big", "small"] });
  assert.equal(capacity(spec, "big"), 400 * MB);
  assert.equal(capacity(spec), 100 * MB);
  assert.equal(capacity(spec, "x9.unknown"), undefined);
  const byType = brokerCapacityByType(spec, capacity);
  assert.equal(byType("big"), 400 * MB);
  assert.equal(byType(null), undefined, "not known yet: the cluster's");
  assert.equal(byType("x9.unknown"), undefined);
  assert.equal(
    brokerCapacityByType({ ...spec, balancing: { brokerNetworkBytesPerSec: 5 } }, capacity)("big"),
    undefined,
  );
  assert.equal(brokerCapacityByType(spec, undefined)("big"), undefined);
});
