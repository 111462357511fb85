// A step the cloud throttles (CLOUD_THROTTLED, also as the cause of another error) runs again on the next pass
// without spending one of its operation's attempts: a burst of throttling failed whole cluster creates before
// (found on the emulated AWS region with 10% of requests throttled, e2e/test/cloud-instance/aws-cluster.test.ts).
// Any other retriable error still spends one and fails the operation after maxAttempts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudError, CloudErrorCode } from "@cirrus/cloud";
import { ControllerRunner, type OperationHandler } from "../../src/controllers/controller-runner.ts";
import { type StepName, stepsOf } from "../../src/services/operation-catalog.ts";
import { createOperation, getOperation, OperationStatus } from "../../src/services/operations.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

describe("ControllerRunner and a throttling cloud", () => {
  let testDb: TestDatabase;
  before(async () => {
    testDb = await createTestDatabase("pglite");
  });
  after(() => testDb.drop());

  /** A cluster.delete whose first step throws `failure()` `times` times, then succeeds; the rest succeed. */
  async function run(failure: () => Error, times: number, passes: number) {
    let thrown = 0;
    const handler: OperationHandler<"cluster.delete"> = {
      type: "cluster.delete",
      steps: (stepsOf("cluster.delete") as StepName<"cluster.delete">[]).map((name, i) => ({
        name,
        async run() {
          if (i === 0 && thrown < times) {
            thrown++;
            throw failure();
          }
          return undefined;
        },
      })),
    };
    const runner = new ControllerRunner(
      { db: testDb.database.db, now: Date.now, log: () => {} },
      { intervalMs: 50 },
    );
    runner.addOperationHandler(handler);
    const op = await createOperation(testDb.database.db, { type: "cluster.delete", input: { purge: false } });
    for (let pass = 0; pass < passes; pass++) await runner.runOnce();
    return (await getOperation(testDb.database.db, op.id))!;
  }

  it("retries a throttled step on every pass without spending an attempt", async () => {
    const throttled = () => new CloudError(CloudErrorCode.THROTTLED, "DescribeVolumes: RequestLimitExceeded");
    const op = await run(throttled, 8, 10);
    assert.equal(op.status, OperationStatus.SUCCEEDED, JSON.stringify(op.error));
    assert.equal(op.attempts, 0);
  });

  it("also when the throttling is the cause of the step's error", async () => {
    const wrapped = () =>
      new Error("provision-resources failed", {
        cause: new CloudError(CloudErrorCode.THROTTLED, "CreateAutoScalingGroup: Throttling"),
      });
    const op = await run(wrapped, 8, 10);
    assert.equal(op.status, OperationStatus.SUCCEEDED, JSON.stringify(op.error));
    assert.equal(op.attempts, 0);
  });

  it("still fails the operation after maxAttempts of another retriable error", async () => {
    const other = () => new CloudError(CloudErrorCode.PROVIDER_ERROR, "InternalError", { retriable: true });
    const op = await run(other, 8, 10);
    assert.equal(op.status, OperationStatus.FAILED);
    assert.equal(op.attempts, 5);
    assert.match(op.error?.message ?? "", /InternalError/);
  });
});
