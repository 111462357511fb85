import type { ObjectMetadata, ObjectType, StreamMetadata, StreamRange, StreamState } from "@cirrus/s3stream";
import { and, asc, eq, inArray, notExists, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/database.ts";
import { objectRanges, objects, type streams } from "../db/schema.ts";

export const ObjectState = {
  PREPARED: "PREPARED",
  COMMITTED: "COMMITTED",
  UNREFERENCED: "UNREFERENCED",
} as const;

type RangeRow = typeof objectRanges.$inferSelect;
type ObjectRow = typeof objects.$inferSelect;
export type StreamRow = typeof streams.$inferSelect;

export function toStreamMetadata(row: StreamRow): StreamMetadata {
  return {
    streamId: row.id,
    epoch: row.epoch,
    startOffset: row.startOffset,
    endOffset: row.endOffset,
    state: row.state as StreamState,
    nodeId: row.nodeId,
  };
}

export function toRange(row: RangeRow): StreamRange {
  return {
    streamId: row.streamId,
    streamEpoch: row.streamEpoch,
    startOffset: row.startOffset,
    endOffset: row.endOffset,
    position: row.position,
    length: row.length,
  };
}

export function toObjectMetadata(row: ObjectRow, ranges: StreamRange[]): ObjectMetadata {
  return {
    objectId: row.id,
    type: row.type as ObjectType,
    objectSize: row.objectSize,
    nodeId: row.nodeId,
    orderId: row.orderId,
    committedAt: row.committedAt,
    ranges,
  };
}

/** Live ranges of the given objects, grouped by object id, each group in (stream, offset) order. */
export async function rangesOfObjects(db: DbOrTx, objectIds: number[]): Promise<Map<number, StreamRange[]>> {
  const byObject = new Map<number, StreamRange[]>();
  if (objectIds.length === 0) return byObject;
  const rows = await db
    .select()
    .from(objectRanges)
    .where(inArray(objectRanges.objectId, objectIds))
    .orderBy(asc(objectRanges.streamId), asc(objectRanges.startOffset));
  for (const row of rows) {
    const list = byObject.get(row.objectId);
    if (list) list.push(toRange(row));
    else byObject.set(row.objectId, [toRange(row)]);
  }
  return byObject;
}

/**
 * Marks committed objects among `objectIds` that no longer hold any live range as UNREFERENCED
 * (their bytes can be deleted after the grace period).
 */
export async function releaseObjectsWithoutRanges(
  db: DbOrTx,
  objectIds: number[],
  now: number,
): Promise<void> {
  if (objectIds.length === 0) return;
  await db
    .update(objects)
    .set({ state: ObjectState.UNREFERENCED, unreferencedSince: now })
    .where(
      and(
        inArray(objects.id, [...new Set(objectIds)]),
        eq(objects.state, ObjectState.COMMITTED),
        notExists(db.select({ one: sql`1` }).from(objectRanges).where(eq(objectRanges.objectId, objects.id))),
      ),
    );
}
