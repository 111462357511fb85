// `brokers.min` raised while a scale-in runs: the drained broker can no longer be terminated with the capacity
// decremented (the cloud refuses to go below its minimum, and the operation would fail leaving the broker
// DRAINING forever). It goes back to service instead: ACTIVE again, its instance kept running, the operation's
// input says which broker and why, and the scale-in ends. On the real local provider with stand-in brokers.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { and, eq, sql } from "drizzle-orm";
import { createAutoscaler } from "../../../src/controllers/autoscaler/index.ts";
import { terminableCount } from "../../../src/controllers/autoscaler/return-to-service.ts";
import type { OperationHandler } from "../../../src/controllers/controller-runner.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers, clusters } from "../../../src/db/schema.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { createOperation, OperationStatus } from "../../../src/services/operations.ts";
import { localSpec, ProvisionerKit, registerFleet } from "../provisioner/provisioner-kit.ts";

const METERED_BROKER = fileURLToPath(new URL("./fixtures/metered-stand-in-broker.ts", import.meta.url));

describe("a scale-in while brokers.min is raised", { timeout: 120_000 }, () => {
  let kit: ProvisionerKit;
  let clusterId: string;
  let scaleIn: OperationHandler;

  before(async () => {
    kit = await ProvisionerKit.open({ brokerEntry: METERED_BROKER });
    const loadFile = join(kit.dataDir, "load");
    writeFileSync(loadFile, "0");
    process.env.CIRRUS_TEST_LOAD_FILE = loadFile;
    // The handler's steps are run one by one below, so that min is raised between the drain and the terminate.
    scaleIn = createAutoscaler({ providers: kit.provisioner.providers })
      .operationHandlers(kit.notifier)
      .find((h) => h.type === "cluster.scale-in")!;
    const { cluster, operation } = await createCluster(
      kit.database.db,
      { name: "min-raised", spec: localSpec({ brokers: { min: 1, max: 3 } }), deletionProtection: false },
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

  const states = async () =>
    (
      await kit.database.db
        .select({ brokerId: brokers.brokerId, state: brokers.state, instanceId: brokers.instanceId })
        .from(brokers)
        .where(eq(brokers.clusterId, clusterId))
        .orderBy(brokers.brokerId)
    ).filter((b) => b.state === "ACTIVE" || b.state === "DRAINING");

  it("terminates no broker below the new min: the drained one goes back to service and the scale-in ends", async () => {
    const fleet = fleetNameOf(clusterId);
    await kit.local.updateFleet(fleet, { desiredCapacity: 2 });
    await kit.runUntil(async () => {
      await registerFleet(kit, clusterId);
      return (await states()).length === 2 ? true : undefined;
    });
    const op = await createOperation(kit.database.db, {
      type: "cluster.scale-in",
      clusterId,
      input: { from: 2, to: 1, decision: {} },
      createdBy: "test",
    });
    const ctx = { db: kit.database.db, now: Date.now, log: () => {} };
    const [choose, drain, terminate] = scaleIn.steps;
    assert.equal(await choose!.run(ctx, await kit.operation(op.id)), undefined);
    const chosen = (await kit.operation(op.id)).input.chosen as { brokers: { brokerId: number }[] };
    assert.equal(chosen.brokers.length, 1);
    const leaving = chosen.brokers[0]!.brokerId;
    await kit.runUntil(async () =>
      (await drain!.run(ctx, await kit.operation(op.id))) === undefined ? true : undefined,
    );
    assert.equal((await states()).find((b) => b.brokerId === leaving)?.state, "DRAINING");

    // The operator raises brokers.min to 2 (what cluster.update applies: the spec, then the fleet's minimum).
    await kit.database.db
      .update(clusters)
      .set({ spec: sql`jsonb_set(${clusters.spec}, '{brokers,min}', '2'::jsonb)` })
      .where(eq(clusters.id, clusterId));
    await kit.local.updateFleet(fleet, { minSize: 2 });

    assert.equal(await terminate!.run(ctx, await kit.operation(op.id)), undefined, "the step ends, no error");
    const after = await states();
    assert.deepEqual(
      after.map((b) => b.state),
      ["ACTIVE", "ACTIVE"],
      "the drained broker serves again, not DRAINING forever",
    );
    const instances = await kit.local.listInstances(fleet);
    assert.equal(instances.filter((i) => i.state === "running").length, 2, "its instance was not terminated");
    assert.equal((await kit.local.describeFleet(fleet))?.desiredCapacity, 2);
    const returned = (await kit.operation(op.id)).input.returnedToService as {
      brokers: { brokerId: number }[];
      reason: string;
    };
    assert.deepEqual(
      returned.brokers.map((b) => b.brokerId),
      [leaving],
    );
    assert.match(
      returned.reason,
      new RegExp(`brokers.min was raised to 2 .*broker\\(s\\) ${leaving} went back`),
    );
    // Run again (a crash after the step, a leader change): nothing more happens.
    assert.equal(await terminate!.run(ctx, await kit.operation(op.id)), undefined);
    assert.equal((await states()).filter((b) => b.state === "ACTIVE").length, 2);
    const [row] = await kit.database.db
      .select({ state: brokers.state })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, leaving)));
    assert.equal(row!.state, "ACTIVE");
  });

  it("counts the brokers it may still terminate against the larger of the fleet's and the spec's minimum", () => {
    assert.equal(terminableCount(3, 1, 1, 2), 2, "min unchanged: all of them");
    assert.equal(terminableCount(3, 2, 1, 2), 1, "the fleet's min raised");
    assert.equal(terminableCount(3, 1, 3, 2), 0, "the spec's min raised before cluster.update applied it");
    assert.equal(terminableCount(4, 1, 1, 2), 2, "never more than were chosen");
    assert.equal(terminableCount(2, 3, 1, 1), 0, "never negative");
  });
});
