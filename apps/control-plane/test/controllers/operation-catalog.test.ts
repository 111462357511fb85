// The operation catalog is the one list of operation types and their steps: a handler that names a step the
// catalog does not have (or misses one, or runs them in another order) is refused when it is added — and fails
// typecheck before that (the @ts-expect-error lines below are checked by `npm run typecheck`); createOperation
// takes its steps from the catalog and refuses an input that does not fit; a stored row naming a step no
// handler runs fails instead of staying PENDING forever.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ControllerRunner, type OperationHandler } from "../../src/controllers/controller-runner.ts";
import { operations } from "../../src/db/schema.ts";
import { OPERATION_CATALOG, type OperationType, stepsOf } from "../../src/services/operation-catalog.ts";
import { createOperation, getOperation, OperationStatus } from "../../src/services/operations.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

const done = async () => undefined;

function handlerWith<T extends OperationType>(type: T, names: string[]): OperationHandler {
  return { type, steps: names.map((name) => ({ name, run: done })) } as unknown as OperationHandler;
}

describe("operation catalog", () => {
  let testDb: TestDatabase;
  const runner = () =>
    new ControllerRunner({ db: testDb.database.db, now: Date.now, log: () => {} }, { intervalMs: 10 });

  before(async () => {
    testDb = await createTestDatabase("pglite");
  });
  after(() => testDb.drop());

  it("accepts a handler whose steps are its type's catalog steps", () => {
    for (const type of Object.keys(OPERATION_CATALOG) as OperationType[]) {
      runner().addOperationHandler(handlerWith(type, stepsOf(type)));
    }
  });

  it("refuses at start-up a handler that names a step the catalog does not have, misses one or reorders them", () => {
    const steps = stepsOf("broker.failover");
    const typo = [steps[0]!, "replay-wall", steps[2]!];
    assert.throws(() => runner().addOperationHandler(handlerWith("broker.failover", typo)), /replay-wall/);
    assert.throws(
      () => runner().addOperationHandler(handlerWith("broker.failover", steps.slice(1))),
      /catalog says/,
    );
    assert.throws(
      () => runner().addOperationHandler(handlerWith("broker.failover", [...steps].reverse())),
      /catalog says/,
    );
    assert.throws(
      () => runner().addOperationHandler(handlerWith("cluster.explode" as OperationType, [])),
      /not in the operation catalog/,
    );
  });

  it("types handlers by the catalog: a misspelt step name or a foreign step does not typecheck", () => {
    const typo: OperationHandler<"broker.failover"> = {
      type: "broker.failover",
      // @ts-expect-error "attach-volum" is not a broker.failover step
      steps: [{ name: "attach-volum", run: done }],
    };
    const foreign: OperationHandler<"broker.drain"> = {
      type: "broker.drain",
      // @ts-expect-error "replay-wal" belongs to broker.failover, not broker.drain
      steps: [{ name: "replay-wal", run: done }],
    };
    assert.ok(typo && foreign);
  });

  it("createOperation stores the catalog's steps and refuses an input that does not fit", async () => {
    const db = testDb.database.db;
    const op = await createOperation(db, {
      type: "broker.failover",
      input: { brokerId: 1, epoch: 2, volumeId: "vol-1" },
    });
    assert.deepEqual(
      op.steps.map((s) => s.name),
      stepsOf("broker.failover"),
    );
    await assert.rejects(
      // @ts-expect-error brokerId must be a number
      createOperation(db, { type: "broker.failover", input: { brokerId: "x", epoch: 2, volumeId: "vol-1" } }),
      /broker\.failover: input .* does not fit the catalog \(\/brokerId/,
    );
  });

  it("fails a stored operation with a step no handler step runs, instead of leaving it PENDING", async () => {
    const db = testDb.database.db;
    const now = Date.now();
    const id = crypto.randomUUID();
    const pending = (name: string) => ({
      name,
      status: OperationStatus.PENDING,
      startedAt: null,
      finishedAt: null,
      error: null,
    });
    await db.insert(operations).values({
      id,
      type: "cluster.rebalance",
      status: OperationStatus.PENDING,
      input: { moves: [] },
      steps: [...stepsOf("cluster.rebalance"), "an-old-step"].map(pending),
      createdAt: now,
      updatedAt: now,
    });
    const r = runner();
    r.addOperationHandler(handlerWith("cluster.rebalance", stepsOf("cluster.rebalance")));
    await r.runOnce();
    const op = await getOperation(db, id);
    assert.equal(op?.status, OperationStatus.FAILED);
    assert.equal(op?.error?.code, "OPERATION_STEPS_UNKNOWN");
    assert.match(op?.error?.message ?? "", /an-old-step/);
  });
});
