import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AwsProvider } from "@cirrus/cloud";
import { FakeAwsAccount, fakeAwsClients } from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import type { ControllerContext } from "../../../src/controllers/controller-runner.ts";
import { LIFECYCLE_HEARTBEAT_MS } from "../../../src/controllers/failover/cloud-notices.ts";
import { spotNoticeController } from "../../../src/controllers/failover/spot-notice-controller.ts";
import { fleetNameOf, fleetSpecOf } from "../../../src/controllers/provisioner/cluster-fleet.ts";
import { cloudNotices, clusters, operations } from "../../../src/db/schema.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { awsSpecOn } from "../provisioner/provisioner-kit.ts";

describe("termination lifecycle notices on aws (emulated)", { timeout: 60_000 }, () => {
  let testDb: TestDatabase;
  let provider: AwsProvider;
  const account = new FakeAwsAccount();
  let clock = Date.now();
  const logs: string[] = [];
  const ctx = (): ControllerContext => ({
    db: testDb.database.db,
    now: () => clock,
    log: (m) => logs.push(m),
  });

  before(async () => {
    testDb = await createTestDatabase("pglite");
    provider = new AwsProvider({ region: "us-east-1", pollIntervalMs: 20, clients: fakeAwsClients(account) });
  });
  after(async () => {
    await provider.close();
    await testDb.drop();
  });

  it("drains the broker while heartbeating the action, completes it after the drain, once across a restart", async () => {
    const db = testDb.database.db;
    const spec = awsSpecOn(account);
    const cluster = { id: "5b0d6f0e-9a7c-4b1e-8a55-0c6f4c1d2e3f" };
    await db.insert(clusters).values({
      id: cluster.id,
      name: "lifecycle",
      spec,
      state: "RUNNING",
      brokerTokenHash: "lifecycle-test",
      createdAt: 0,
      updatedAt: 0,
    });
    const fleet = fleetNameOf(cluster.id);
    await provider.createFleet(
      fleetSpecOf(cluster.id, spec, { command: "/opt/cirrus/broker", args: [], env: {} }),
    );
    const [victim] = await provider.listInstances(fleet);
    const { response } = await registerBroker(
      db,
      cluster.id,
      { instanceId: victim!.id, zone: victim!.zone, host: "10.0.0.1", port: 9092 },
      60_000,
    );
    const registry = { providerFor: () => provider };
    let controller = spotNoticeController(registry as never);
    await controller.reconcile(ctx()); // subscribes
    await provider.terminateInstance(fleet, victim!.id, { decrementCapacity: false });

    let notice: typeof cloudNotices.$inferSelect | undefined;
    for (let i = 0; i < 100 && !notice?.drainOperationId; i++) {
      await sleep(20);
      await controller.reconcile(ctx());
      [notice] = await db.select().from(cloudNotices).where(eq(cloudNotices.instanceId, victim!.id));
    }
    assert.equal(notice?.kind, "lifecycle-terminate");
    const [drain] = await db.select().from(operations).where(eq(operations.id, notice!.drainOperationId!));
    assert.equal(drain?.type, "broker.drain");
    assert.deepEqual(drain?.input, { brokerId: response.brokerId });
    const sent = (command: string) => account.requests.filter((r) => r.command === command);
    assert.equal(sent("CompleteLifecycleAction").length, 0, "held while the drain runs");

    clock += LIFECYCLE_HEARTBEAT_MS;
    await controller.reconcile(ctx());
    assert.equal(sent("RecordLifecycleActionHeartbeat").length, 1, "heartbeated while draining");
    assert.equal(sent("CompleteLifecycleAction").length, 0);

    // A control plane restart: the notice is a row, the new controller goes on with it.
    controller.close();
    controller = spotNoticeController(registry as never);
    await db.update(operations).set({ status: "SUCCEEDED" }).where(eq(operations.id, drain!.id));
    await controller.reconcile(ctx());
    assert.equal(sent("CompleteLifecycleAction").length, 1, "completed once the drain ended");
    const [handled] = await db.select().from(cloudNotices).where(eq(cloudNotices.id, notice!.id));
    assert.ok(handled?.handledAt);
    assert.match(String(handled?.outcome), /completed after drain SUCCEEDED/);
    for (let i = 0; i < 5; i++) {
      await sleep(30);
      await controller.reconcile(ctx());
    }
    assert.equal(sent("CompleteLifecycleAction").length, 1, "handled once");
    assert.equal(account.instances.get(victim!.id)?.state, "terminated");
    controller.close();
  });
});
