// Every writer of an operation's input (the autoscaler's notes, a deletion's left-behind record, a broker
// replacement's note) bumps updated_at, so the operation feed, which reads rows changed since its last look,
// delivers the change even for a finished operation (one the feed's "unfinished" half does not read).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { saveInputNote } from "../../src/controllers/autoscaler/capacity-operations.ts";
import type { ControllerContext } from "../../src/controllers/controller-runner.ts";
import { saveReplacementNote } from "../../src/controllers/provisioner/broker-replace.ts";
import { recordLeftBehind } from "../../src/controllers/provisioner/deprovision.ts";
import { operations } from "../../src/db/schema.ts";
import { OperationFeed } from "../../src/services/operation-feed.ts";
import { type Operation, OperationStatus, toOperation } from "../../src/services/operations.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../helpers/test-database.ts";

const HOUR_AGO = () => Date.now() - 3_600_000;

const writers: [string, (ctx: ControllerContext, op: Operation) => Promise<void>, Record<string, unknown>][] =
  [
    [
      "autoscaler saveInputNote",
      (ctx, op) => saveInputNote(ctx, op, "decision", { brokers: 4 }),
      { decision: { brokers: 4 } },
    ],
    [
      "deprovision recordLeftBehind",
      (ctx, op) =>
        recordLeftBehind(ctx, op, {
          reason: "abandoned",
          error: "AccessDenied",
          provider: "local",
          region: "r1",
          fleet: "f1",
          volumes: ["v1"],
          objects: null,
        }),
      {
        leftBehind: {
          reason: "abandoned",
          error: "AccessDenied",
          provider: "local",
          region: "r1",
          fleet: "f1",
          volumes: ["v1"],
          objects: null,
        },
      },
    ],
    [
      "broker-replace saveReplacementNote",
      (ctx, op) =>
        saveReplacementNote(ctx, op, {
          oldInstanceId: "i-1",
          existing: ["i-1"],
          grew: true,
          desiredBefore: 3,
        }),
      { replacement: { oldInstanceId: "i-1", existing: ["i-1"], grew: true, desiredBefore: 3 } },
    ],
  ];

for (const backend of testBackends()) {
  describe(`operation input notes reach the feed (${backend})`, { timeout: 30_000 }, () => {
    let testDb: TestDatabase;
    let ctx: ControllerContext;
    before(async () => {
      testDb = await createTestDatabase(backend);
      ctx = { db: testDb.database.db, now: () => Date.now(), log: () => {} };
    });
    after(() => testDb?.drop());

    /** A finished operation last written an hour ago: only a bumped updated_at brings it back to the feed. */
    async function finishedOperation(): Promise<Operation> {
      const at = HOUR_AGO();
      const [row] = await ctx.db
        .insert(operations)
        .values({
          id: crypto.randomUUID(),
          clusterId: null,
          type: "cluster.delete",
          status: OperationStatus.FAILED,
          input: { abandon: true },
          createdAt: at,
          updatedAt: at,
          finishedAt: at,
        })
        .returning();
      return toOperation(row!);
    }

    for (const [name, write, note] of writers) {
      it(`${name} bumps updated_at and a feed subscriber gets the change`, async () => {
        const op = await finishedOperation();
        const feed = new OperationFeed(ctx.db, { intervalMs: 20 });
        feed.onError = (error) => assert.fail(String(error));
        try {
          const delivered = new Promise<Operation>((resolve) => {
            feed.subscribe({ operationId: op.id }, resolve);
          });
          // Let the first look pass, so the write lands after the feed started reading.
          await new Promise((r) => setTimeout(r, 60));
          const before = Date.now();
          await write(ctx, op);
          const got = await Promise.race([
            delivered,
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error("feed never delivered")), 5_000),
            ),
          ]);
          assert.deepEqual(got.input, { abandon: true, ...note });
          assert.ok(got.updatedAt >= before, `updatedAt ${got.updatedAt} bumped`);
          // The in-memory operation follows the row.
          assert.deepEqual(op.input, got.input);
          assert.equal(op.updatedAt, got.updatedAt);
          const [row] = await ctx.db.select().from(operations).where(eq(operations.id, op.id));
          assert.deepEqual(row!.input, got.input);
        } finally {
          await feed.close();
        }
      });
    }
  });
}

describe("writes to operations", () => {
  it("every update of the operations table sets updatedAt", () => {
    const src = join(import.meta.dirname, "../../src");
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    let updates = 0;
    for (const file of files) {
      const text = readFileSync(join(src, file), "utf8");
      for (const match of text.matchAll(/\.update\(operations\)([\s\S]*?)\.where\(/g)) {
        updates++;
        assert.match(match[1]!, /updatedAt/, `${file}: an update of operations without updatedAt`);
      }
    }
    assert.ok(updates >= 3, `found ${updates} updates of operations`);
  });
});
