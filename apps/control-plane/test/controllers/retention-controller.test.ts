import assert from "node:assert/strict";
import { it } from "node:test";
import { METRIC_RETENTION_MS, retentionController } from "../../src/controllers/retention-controller.ts";
import { idempotencyKeys, metricSamples } from "../../src/db/schema.ts";
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
