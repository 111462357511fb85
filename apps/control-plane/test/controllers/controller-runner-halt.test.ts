// The test-only cut (config testHaltAfterStep, env CIRRUS_TEST_HALT_AFTER_STEP): the runner stops for good right
// after the named step's SUCCEEDED is written, before the next step starts, so a restart test cuts an operation
// at a known point instead of wherever a timer happened to land (e2e harness/cloud-instance/restart-scenarios.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ControllerRunner,
  type OperationHandler,
  parseHaltAfterStep,
} from "../../src/controllers/controller-runner.ts";
import { type StepName, stepsOf } from "../../src/services/operation-catalog.ts";
import { createOperation, getOperation, OperationStatus } from "../../src/services/operations.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

describe("ControllerRunner halted after a named step (tests only)", { timeout: 30_000 }, () => {
  let testDb: TestDatabase;
  before(async () => {
    testDb = await createTestDatabase("pglite");
  });
  after(() => testDb.drop());

  /** A cluster.delete whose steps record that they ran, and a runner cut after `haltAfterStep`. */
  function runnerWith(haltAfterStep: string | undefined) {
    const ran: string[] = [];
    const handler: OperationHandler<"cluster.delete"> = {
      type: "cluster.delete",
      steps: (stepsOf("cluster.delete") as StepName<"cluster.delete">[]).map((name) => ({
        name,
        async run() {
          ran.push(name);
          return undefined;
        },
      })),
    };
    const runner = new ControllerRunner(
      { db: testDb.database.db, now: Date.now, log: () => {} },
      { intervalMs: 20, ...(haltAfterStep ? { haltAfterStep } : {}) },
    );
    runner.addOperationHandler(handler);
    return { runner, ran };
  }

  it("stops right after the step's SUCCEEDED is written; the next step never starts, start() does not restart it", async () => {
    const { runner, ran } = runnerWith("cluster.delete:fence-brokers");
    const op = await createOperation(testDb.database.db, { type: "cluster.delete", input: { purge: false } });
    runner.start();
    const at = await runner.halted();
    assert.deepEqual(at, { operationId: op.id, type: "cluster.delete", step: "fence-brokers" });
    assert.deepEqual(runner.haltedAt, at);
    assert.deepEqual(ran, ["drain-brokers", "fence-brokers"]);
    runner.start(); // what a leader election's onChange(true) does again
    await sleep(100); // five intervals: a runner that started again would run the next step
    await runner.stop();
    assert.deepEqual(ran, ["drain-brokers", "fence-brokers"], "nothing ran after the cut");
    const stored = (await getOperation(testDb.database.db, op.id))!;
    assert.equal(stored.status, OperationStatus.RUNNING);
    assert.deepEqual(
      stored.steps.map((s) => [s.name, s.status]),
      [
        ["drain-brokers", OperationStatus.SUCCEEDED],
        ["fence-brokers", OperationStatus.SUCCEEDED],
        ["deprovision-resources", OperationStatus.PENDING],
        ["release-streams", OperationStatus.PENDING],
        ["remove-metadata", OperationStatus.PENDING],
      ],
    );
    assert.equal(stored.steps[2]?.startedAt, null, "the next step was not started");

    // The next control plane (no cut) finishes it from the row.
    const next = runnerWith(undefined);
    await next.runner.runOnce();
    assert.deepEqual(next.ran, ["deprovision-resources", "release-streams", "remove-metadata"]);
    assert.equal((await getOperation(testDb.database.db, op.id))?.status, OperationStatus.SUCCEEDED);
  });

  it("off by default: every step runs and halted() stays pending", async () => {
    const { runner, ran } = runnerWith(undefined);
    const op = await createOperation(testDb.database.db, { type: "cluster.delete", input: { purge: false } });
    await runner.runOnce();
    assert.deepEqual(ran, stepsOf("cluster.delete"));
    assert.equal((await getOperation(testDb.database.db, op.id))?.status, OperationStatus.SUCCEEDED);
    assert.equal(runner.haltedAt, undefined);
    const pending = Symbol("pending");
    assert.equal(await Promise.race([runner.halted(), sleep(20, pending)]), pending);
  });

  it("refuses a cut the catalog does not have (a misspelt cut would never happen)", () => {
    assert.deepEqual(parseHaltAfterStep("cluster.create:provision-resources"), {
      type: "cluster.create",
      step: "provision-resources",
    });
    assert.throws(
      () => parseHaltAfterStep("cluster.creat:provision-resources"),
      /no operation type cluster\.creat/,
    );
    assert.throws(() => parseHaltAfterStep("cluster.create:provision"), /cluster\.create has steps/);
    assert.throws(
      () =>
        new ControllerRunner(
          { db: testDb.database.db, now: Date.now, log: () => {} },
          {
            intervalMs: 20,
            haltAfterStep: "cluster.create",
          },
        ),
      /no operation type|has steps/,
    );
  });
});
