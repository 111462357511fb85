import assert from "node:assert/strict";
import { it } from "node:test";
import { eq } from "drizzle-orm";
import { METRIC_RETENTION_MS, retentionController } from "../../src/controllers/retention-controller.ts";
import { idempotencyKeys, metricSamples, operations, partitionMoves } from "../../src/db/schema.ts";
import { IDEMPOTENCY_TTL_MS } from "../../src/http/idempotency.ts";
import { createTestDatabase } from "../helpers/test-database.ts";

it("drops metric samples and Idempotency-Keys older than their retention, keeps recent ones", async () => {
  const testDb = await createTestDatabase("pglite");
  try {
    const { db } = testDb.database;
    const now = Date.now();
    const sample = (at: number) => ({ clusterId: "c", brokerId: 1, at, bytesInPerSec: 1, bytesOutPerSec: 1 });
    await db.insert(metricSamples).values([sample(now - METRIC_RETENTION_MS - 1), sample(now - 1000)]);
    const key = (k: string, createdAt: number) => ({
      tokenId: "t",
      key: k,
      requestHash: "h",
      statusCode: 200,
      createdAt,
    });
    await db
      .insert(idempotencyKeys)
      .values([key("old", now - IDEMPOTENCY_TTL_MS - 1), key("new", now - 1000)]);
    await retentionController().reconcile({ db, now: () => now, log: () => {} });
    const left = await db.select({ at: metricSamples.at }).from(metricSamples);
    assert.deepEqual(
      left.map((r) => r.at),
      [now - 1000],
    );
    const keys = await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys);
    assert.deepEqual(
      keys.map((k) => k.key),
      ["new"],
    );
  } finally {
    await testDb.drop();
  }
});

it("drops finished operations' partition moves older than the retention, a bounded batch per pass", async () => {
  const testDb = await createTestDatabase("pglite");
  try {
    const { db } = testDb.database;
    const now = Date.now();
    const retentionMs = 3_600_000;
    const op = async (id: string, finishedAt: number | null) => {
      await db.insert(operations).values({
        id,
        clusterId: "c",
        type: "broker.drain",
        status: finishedAt === null ? "RUNNING" : "SUCCEEDED",
        createdAt: now - 2 * retentionMs,
        updatedAt: finishedAt ?? now,
        finishedAt,
      });
      await db.insert(partitionMoves).values(
        [0, 1, 2].map((partition) => ({
          operationId: id,
          clusterId: "c",
          topicId: "t",
          partition,
          fromBroker: 1,
          toBroker: 2,
          requestedAt: now - 2 * retentionMs,
          openedAt: now - 2 * retentionMs + 1000,
        })),
      );
    };
    await op("old", now - retentionMs - 1);
    await op("recent", now - retentionMs + 60_000);
    await op("running", null);
    const controller = retentionController({
      partitionMovesRetentionMs: retentionMs,
      partitionMovesPerPass: 2,
    });
    const movesOf = async (id: string) =>
      (await db.select().from(partitionMoves).where(eq(partitionMoves.operationId, id))).length;
    await controller.reconcile({ db, now: () => now, log: () => {} });
    assert.equal(await movesOf("old"), 1, "at most two per pass");
    await controller.reconcile({ db, now: () => now + 60_000, log: () => {} });
    assert.equal(await movesOf("old"), 0);
    assert.equal(await movesOf("recent"), 3, "finished within the retention: kept");
    assert.equal(await movesOf("running"), 3, "still running: kept");
    await controller.reconcile({ db, now: () => now + 120_000, log: () => {} });
    assert.equal(await movesOf("recent"), 1, "its retention ran out a minute later: a batch of two went");
  } finally {
    await testDb.drop();
  }
});
