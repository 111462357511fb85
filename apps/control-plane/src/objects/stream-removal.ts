import { inArray } from "drizzle-orm";
import type { Tx } from "../db/database.ts";
import { objectRanges, streams } from "../db/schema.ts";
import { releaseObjectsWithoutRanges } from "./object-index.ts";

/**
 * Deletes streams whatever their epoch (a topic deletion or cluster deletion, decided by the control
 * plane, not by an owner): their ranges leave the index and objects left without ranges become
 * unreferenced, so their bytes are collected later.
 */
export async function removeStreams(tx: Tx, streamIds: number[], now: number): Promise<void> {
  if (streamIds.length === 0) return;
  await tx.update(streams).set({ deleted: true, state: "CLOSED" }).where(inArray(streams.id, streamIds));
  const dropped = await tx
    .delete(objectRanges)
    .where(inArray(objectRanges.streamId, streamIds))
    .returning({ objectId: objectRanges.objectId });
  await releaseObjectsWithoutRanges(
    tx,
    dropped.map((d) => d.objectId),
    now,
  );
}
