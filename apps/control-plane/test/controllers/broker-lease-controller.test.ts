// The lease controller fences brokers whose heartbeats stopped while it was watching, and only those: after a
// gap in which it could not watch (a first pass, a paused or starved control plane, a database outage), the
// leases that ran out meanwhile are renewed instead of every broker being fenced for the control plane's own
// outage. A heartbeat that arrives after its lease ran out but before any fencing renews it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { brokerLeaseController } from "../../src/controllers/broker-lease-controller.ts";
import type { ControllerContext } from "../../src/controllers/controller-runner.ts";
import { brokers, operations, volumes } from "../../src/db/schema.ts";
import { AssignmentNotifier } from "../../src/services/assignment-notifier.ts";
import { heartbeat, registerBroker } from "../../src/services/brokers.ts";
import { createCluster } from "../../src/services/clusters.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";
import { localSpec } from "./provisioner/provisioner-kit.ts";

const LEASE_MS = 10_000;

describe("broker lease controller", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  let clock = 0;
  const ctx = (): ControllerContext => ({ db: testDb.database.db, now: () => clock, log: () => {} });

  before(async () => {
    testDb = await createTestDatabase("pglite");
    const { cluster } = await createCluster(
      testDb.database.db,
      { name: "leases", spec: localSpec(), deletionProtection: false },
      null,
    );
    clusterId = cluster.id;
  });
  after(() => testDb.drop());

  async function register(instanceId: string) {
    const { response } = await registerBroker(
      testDb.database.db,
      clusterId,
      { instanceId, zone: "local-a", host: "127.0.0.1", port: 9092 },
      LEASE_MS,
    );
    return response;
  }

  const row = async (brokerId: number) =>
    (await testDb.database.db.select().from(brokers).where(eq(brokers.brokerId, brokerId)))[0]!;

  it("renews, not fences, leases that ran out while it was not watching; fences those that stop later", async () => {
    const broker = await register("i-gap");
    const controller = brokerLeaseController(new AssignmentNotifier(), { leaseMs: LEASE_MS });
    clock = Date.now();
    await controller.reconcile(ctx()); // first pass: it watches from now on
    clock += 200;
    await controller.reconcile(ctx());
    assert.equal((await row(broker.brokerId)).state, "ACTIVE");

    clock += 3 * LEASE_MS; // the control plane was paused: the lease ran out meanwhile
    await controller.reconcile(ctx());
    const renewed = await row(broker.brokerId);
    assert.equal(renewed.state, "ACTIVE", "not fenced for the control plane's own outage");
    assert.equal(renewed.leaseUntil, clock + LEASE_MS, "one lease from the end of the gap");

    for (let t = 0; t < LEASE_MS + 1_000; t += 1_000) {
      clock += 1_000;
      await controller.reconcile(ctx()); // watching now; the broker does not heartbeat
    }
    assert.equal((await row(broker.brokerId)).state, "FENCED", "fenced once its lease ran out under watch");
  });

  it("recovers the WAL volume its own table records for the instance, even when the broker reported none", async () => {
    const db = testDb.database.db;
    await db.insert(volumes).values({
      id: "vol-0123456789abcdef0",
      clusterId,
      zone: "local-a",
      sizeGiB: 1,
      state: "IN_USE",
      instanceId: "i-silent",
    });
    const broker = await register("i-silent"); // registers without naming a volume
    assert.equal((await row(broker.brokerId)).volumeId, null);
    const controller = brokerLeaseController(new AssignmentNotifier(), { leaseMs: LEASE_MS });
    clock = Date.now();
    await controller.reconcile(ctx());
    for (let t = 0; t < LEASE_MS + 1_000; t += 1_000) {
      clock += 1_000;
      await controller.reconcile(ctx());
    }
    assert.equal((await row(broker.brokerId)).state, "FENCED");
    const failovers = await db
      .select({ input: operations.input })
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), eq(operations.type, "broker.failover")));
    const mine = failovers
      .map((f) => f.input as { brokerId: number; volumeId: string })
      .find((i) => i.brokerId === broker.brokerId);
    assert.equal(
      mine?.volumeId,
      "vol-0123456789abcdef0",
      "the WAL is replayed, not skipped on the broker's word",
    );
  });

  it("a first pass (start, new leader) renews every leased broker; a lease that ran out before a gap is not renewed", async () => {
    const fresh = await register("i-first");
    await testDb.database.db
      .update(brokers)
      .set({ leaseUntil: 1 })
      .where(eq(brokers.brokerId, fresh.brokerId));
    clock = Date.now();
    const controller = brokerLeaseController(new AssignmentNotifier(), { leaseMs: LEASE_MS });
    await controller.reconcile(ctx());
    assert.equal((await row(fresh.brokerId)).leaseUntil, clock + LEASE_MS);

    await testDb.database.db
      .update(brokers)
      .set({ leaseUntil: clock - 1 })
      .where(eq(brokers.brokerId, fresh.brokerId));
    clock += LEASE_MS; // a gap, but this lease had run out before it began
    await controller.reconcile(ctx());
    clock += 100;
    await controller.reconcile(ctx());
    assert.equal((await row(fresh.brokerId)).state, "FENCED");
  });

  it("a heartbeat after the lease ran out renews it while the broker is not fenced, and is refused after", async () => {
    const broker = await register("i-late");
    await testDb.database.db
      .update(brokers)
      .set({ leaseUntil: Date.now() - 60_000 })
      .where(eq(brokers.brokerId, broker.brokerId));
    const answer = await heartbeat(
      testDb.database.db,
      clusterId,
      broker.brokerId,
      { epoch: broker.epoch },
      LEASE_MS,
    );
    assert.ok(answer.leaseUntil > Date.now(), "renewed");
    await testDb.database.db
      .update(brokers)
      .set({ state: "FENCED" })
      .where(eq(brokers.brokerId, broker.brokerId));
    await assert.rejects(
      heartbeat(testDb.database.db, clusterId, broker.brokerId, { epoch: broker.epoch }, LEASE_MS),
      (error: Error & { code?: string }) => error.code === "BROKER_FENCED",
    );
  });
});
