// The autoscaler's failure paths: new brokers that never serve fail the scale-out with a stable code after
// its wait (not a hang), an operation whose cluster is gone fails at once, and a cloud whose metrics cannot be
// read is logged and skipped for that cluster without failing the loop.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { createAutoscaler } from "../../../src/controllers/autoscaler/index.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { clusters } from "../../../src/db/schema.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { createOperation, OperationStatus } from "../../../src/services/operations.ts";
import { localSpec, ProvisionerKit, registerFleet } from "../provisioner/provisioner-kit.ts";

const METERED_BROKER = fileURLToPath(new URL("./fixtures/metered-stand-in-broker.ts", import.meta.url));

describe("autoscaler failure paths", { timeout: 120_000 }, () => {
  let kit: ProvisionerKit;
  let clusterId: string;

  before(async () => {
    kit = await ProvisionerKit.open({ brokerEntry: METERED_BROKER });
    const loadFile = join(kit.dataDir, "load");
    writeFileSync(loadFile, "0");
    process.env.CIRRUS_TEST_LOAD_FILE = loadFile;
    const autoscaler = createAutoscaler({ providers: kit.provisioner.providers }, { readyTimeoutMs: 1_500 });
    for (const handler of autoscaler.operationHandlers(kit.notifier)) kit.runner.addOperationHandler(handler);
    const { cluster, operation } = await createCluster(
      kit.database.db,
      { name: "failing", spec: localSpec({ brokers: { min: 1, max: 3 } }), deletionProtection: false },
      null,
    );
    clusterId = cluster.id;
    await kit.runUntil(async () => {
      await registerFleet(kit, clusterId);
      return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
    });
  });
  after(async () => {
    delete process.env.CIRRUS_TEST_LOAD_FILE;
    await kit.close();
  });

  test("new brokers that never serve: the scale-out fails with AUTOSCALER_SCALE_OUT_TIMEOUT", async () => {
    const op = await createOperation(kit.database.db, {
      type: "cluster.scale-out",
      clusterId,
      input: { from: 1, to: 2, decision: {} },
      createdBy: "test",
    });
    // No registerFleet here: the new instance runs but its broker never registers.
    const done = await kit.runUntil(async () => {
      const current = await kit.operation(op.id);
      return current.status === OperationStatus.FAILED || current.status === OperationStatus.SUCCEEDED
        ? current
        : undefined;
    }, 30_000);
    assert.equal(done.status, OperationStatus.FAILED);
    assert.equal(done.error?.code, "AUTOSCALER_SCALE_OUT_TIMEOUT");
    assert.match(done.error?.message ?? "", /1 of 2 brokers serve/);
    assert.equal(
      (await kit.local.describeFleet(fleetNameOf(clusterId)))?.desiredCapacity,
      2,
      "capacity was raised",
    );
  });

  test("an operation whose cluster is gone fails at once with AUTOSCALER_CLUSTER_GONE", async () => {
    const op = await createOperation(kit.database.db, {
      type: "cluster.scale-in",
      clusterId: crypto.randomUUID(),
      input: { from: 2, to: 1, decision: {} },
      createdBy: "test",
    });
    const done = await kit.runUntil(async () => {
      const current = await kit.operation(op.id);
      return current.status === OperationStatus.FAILED ? current : undefined;
    });
    assert.equal(done.error?.code, "AUTOSCALER_CLUSTER_GONE");
    assert.equal(done.attempts, 1, "not retried");
  });

  test("a provider that cannot be read: logged, the loop goes on", async () => {
    await kit.database.db.update(clusters).set({ state: "RUNNING" }).where(eq(clusters.id, clusterId));
    const logs: { message: string; fields?: Record<string, unknown> }[] = [];
    const controller = createAutoscaler({
      providers: {
        providerFor: () => {
          throw Object.assign(new Error("the cloud is unreachable"), { code: "CLOUD_PROVIDER_ERROR" });
        },
        close: async () => {},
      },
    }).controller();
    await controller.reconcile({
      db: kit.database.db,
      now: Date.now,
      log: (message, fields) => logs.push({ message, fields }),
    });
    const failed = logs.find((l) => l.message === "autoscaler: evaluation failed");
    assert.ok(failed, JSON.stringify(logs));
    assert.equal(failed.fields?.clusterId, clusterId);
    assert.match(String(failed.fields?.error), /unreachable/);
  });
});
