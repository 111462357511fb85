import {
  assertReadableFrom,
  assertSafeIndex,
  assertStreamOwner,
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  type CreateStreamOptions,
  ErrorCode,
  type ObjectManager,
  type ObjectMetadata,
  openedStream,
  type StreamMetadata,
  StreamState,
  StreamStorageError,
  streamFenced,
  streamNotFound,
  trimmedStart,
  type UnreferencedObject,
} from "@cirrus/s3stream";
import { and, asc, eq, gt, inArray, lt, lte, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "../db/database.ts";
import { rowsOf } from "../db/database.ts";
import { objectRanges, objects, partitions, streams } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { markMovesOpened } from "../services/move-timings.ts";
import { commitObjects } from "./object-commit.ts";
import {
  ObjectState,
  rangesOfObjects,
  releaseObjectsWithoutRanges,
  type StreamRow,
  toObjectMetadata,
  toRange,
  toStreamMetadata,
} from "./object-index.ts";

export interface DbObjectManagerOptions {
  db: Db;
  /** Every stream and object belongs to one cluster; another cluster's ids are "not found". */
  clusterId: string;
  now?: () => number;
}

/**
 * s3stream's ObjectManager on the control plane's database (PostgreSQL or PGlite). Each mutation is
 * one transaction that locks the rows it checks (streams in id order), asks s3stream's metadata rules
 * (the ones MemoryObjectManager applies) what to do, and writes that, so concurrent brokers and replicas
 * see one serial history; refused calls write nothing.
 */
export class DbObjectManager implements ObjectManager {
  readonly #db: Db;
  readonly #clusterId: string;
  readonly #now: () => number;

  constructor(options: DbObjectManagerOptions) {
    this.#db = options.db;
    this.#clusterId = options.clusterId;
    this.#now = options.now ?? Date.now;
  }

  async createStream(options: CreateStreamOptions = {}): Promise<{ streamId: number }> {
    const [row] = await this.#db
      .insert(streams)
      .values({ clusterId: this.#clusterId, tags: options.tags ?? {} })
      .returning({ id: streams.id });
    return { streamId: row!.id };
  }

  async openStream(streamId: number, epoch: number, nodeId: number): Promise<StreamMetadata> {
    return settled((await this.openStreams([{ streamId, epoch, nodeId }]))[0]);
  }

  /**
   * openStream for many streams in one transaction (locked in id order, so two batches cannot deadlock).
   * Resolves with each stream's outcome in request order: the opened stream, or the StreamStorageError that
   * refused it (fenced, not found...), which leaves the others opened. Any other failure rejects and opens none.
   */
  async openStreams(
    requested: readonly { streamId: number; epoch: number; nodeId: number }[],
  ): Promise<(StreamMetadata | StreamStorageError)[]> {
    return inTransaction(this.#db, async (tx) => {
      if (new Set(requested.map((r) => r.streamId)).size === requested.length)
        return this.#openEach(tx, requested);
      // The same stream twice (a retry racing its first try): one after the other, as separate calls would.
      const outcomes: (StreamMetadata | StreamStorageError)[] = [];
      for (const r of requested) outcomes.push(...(await this.#openEach(tx, [r])));
      return outcomes;
    });
  }

  /** openStreams' work for distinct streams, in the caller's transaction. */
  async #openEach(
    tx: Tx,
    requested: readonly { streamId: number; epoch: number; nodeId: number }[],
  ): Promise<(StreamMetadata | StreamStorageError)[]> {
    const rows = await this.#lockStreams(tx, requested);
    // The partition's leader epoch fences too: an open at an older epoch comes from an assignment that was
    // taken back (a move rolled back, a broker fenced) before that broker opened the stream, and would
    // otherwise let it serve a partition another broker now owns. Read after the stream locks, which a
    // rollback also takes (services/move-rollback.ts): it sees the rollback's epoch or the rollback sees it.
    const leaderEpochs = new Map(
      (
        await tx
          .select({ streamId: partitions.streamId, epoch: partitions.leaderEpoch })
          .from(partitions)
          .where(
            inArray(
              partitions.streamId,
              requested.map((r) => r.streamId),
            ),
          )
      ).map((p) => [p.streamId, p.epoch]),
    );
    const outcomes: (StreamMetadata | StreamStorageError)[] = new Array(requested.length);
    const opening: StreamMetadata[] = [];
    requested.forEach(({ streamId, epoch, nodeId }, i) => {
      try {
        const row = rows.get(streamId);
        if (!row) throw streamNotFound(streamId);
        const opened = openedStream(toStreamMetadata(row), epoch, nodeId);
        const leaderEpoch = leaderEpochs.get(streamId);
        if (leaderEpoch !== undefined && epoch < leaderEpoch)
          throw streamFenced(streamId, epoch, leaderEpoch);
        opening.push(opened);
        outcomes[i] = opened;
      } catch (error) {
        outcomes[i] = asStorageError(error);
      }
    });
    if (opening.length > 0) {
      const values = opening.map((o) => sql`(${o.streamId}::bigint, ${o.epoch}::bigint, ${o.nodeId}::int)`);
      await tx.execute(sql`update streams s set epoch = v.epoch, state = ${StreamState.OPENED}, node_id = v.node_id
        from (values ${sql.join(values, sql`, `)}) as v(id, epoch, node_id) where s.id = v.id`);
      await markMovesOpened(tx, opening);
    }
    return outcomes;
  }

  async closeStream(streamId: number, epoch: number): Promise<void> {
    settled((await this.closeStreams([{ streamId, epoch }]))[0]);
  }

  /**
   * closeStream for many streams in one transaction: each is checked (only its current epoch may close it) and
   * closed, locked in id order, so two batches cannot deadlock. Resolves with each stream's outcome in request
   * order: undefined (closed) or the StreamStorageError that refused it (fenced, not found...), which leaves the
   * others closed. Any other failure rejects and closes none.
   */
  async closeStreams(
    requested: readonly { streamId: number; epoch: number }[],
  ): Promise<(StreamStorageError | undefined)[]> {
    return inTransaction(this.#db, (tx) => this.#closeIn(tx, requested));
  }

  /** closeStreams' work inside a transaction the caller holds. */
  async #closeIn(
    tx: Tx,
    requested: readonly { streamId: number; epoch: number }[],
  ): Promise<(StreamStorageError | undefined)[]> {
    const rows = await this.#lockStreams(tx, requested);
    const outcomes: (StreamStorageError | undefined)[] = new Array(requested.length);
    const closing = new Set<number>();
    requested.forEach(({ streamId, epoch }, i) => {
      try {
        assertSafeIndex("epoch", epoch);
        const row = rows.get(streamId);
        if (!row) throw streamNotFound(streamId);
        assertStreamOwner(toStreamMetadata(row), epoch);
        closing.add(streamId);
      } catch (error) {
        outcomes[i] = asStorageError(error);
      }
    });
    if (closing.size > 0)
      await tx
        .update(streams)
        .set({ state: StreamState.CLOSED })
        .where(inArray(streams.id, [...closing]));
    return outcomes;
  }

  /** The cluster's live streams among these ids, locked in id order (two batches cannot deadlock). */
  async #lockStreams(tx: Tx, requested: readonly { streamId: number }[]): Promise<Map<number, StreamRow>> {
    for (const { streamId } of requested) assertSafeIndex("streamId", streamId);
    const rows = await tx
      .select()
      .from(streams)
      .where(
        and(
          inArray(streams.id, [...new Set(requested.map((r) => r.streamId))]),
          eq(streams.clusterId, this.#clusterId),
          eq(streams.deleted, false),
        ),
      )
      .orderBy(asc(streams.id))
      .for("update");
    return new Map(rows.map((row) => [row.id, row]));
  }

  async trimStream(streamId: number, epoch: number, newStartOffset: number): Promise<void> {
    await inTransaction(this.#db, async (tx) => {
      const row = await this.#lockOwnedStream(tx, streamId, epoch);
      const start = trimmedStart(toStreamMetadata(row), newStartOffset);
      if (start === undefined) return;
      await tx.update(streams).set({ startOffset: start }).where(eq(streams.id, streamId));
      // The rule's isTrimmedAway() as a predicate: ranges wholly below the new start leave the index.
      const dropped = await tx
        .delete(objectRanges)
        .where(and(eq(objectRanges.streamId, streamId), lte(objectRanges.endOffset, start)))
        .returning({ objectId: objectRanges.objectId });
      await releaseObjectsWithoutRanges(
        tx,
        dropped.map((d) => d.objectId),
        this.#now(),
      );
    });
  }

  async deleteStream(streamId: number, epoch: number): Promise<void> {
    await inTransaction(this.#db, async (tx) => {
      await this.#lockOwnedStream(tx, streamId, epoch);
      await tx
        .update(streams)
        .set({ deleted: true, state: StreamState.CLOSED })
        .where(eq(streams.id, streamId));
      const dropped = await tx
        .delete(objectRanges)
        .where(eq(objectRanges.streamId, streamId))
        .returning({ objectId: objectRanges.objectId });
      await releaseObjectsWithoutRanges(
        tx,
        dropped.map((d) => d.objectId),
        this.#now(),
      );
    });
  }

  async describeStream(streamId: number): Promise<StreamMetadata> {
    return toStreamMetadata(await this.#stream(this.#db, streamId, false));
  }

  async prepareObjects(count: number, ttlMs: number): Promise<number> {
    assertSafeIndex("count", count);
    assertSafeIndex("ttlMs", ttlMs);
    if (count === 0)
      throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "prepareObjects count must be > 0");
    const preparedUntil = this.#now() + ttlMs;
    // One statement: the counter row is locked only while it runs, so concurrent prepares barely wait.
    // Hands out a block of consecutive ids and records them PREPARED, atomically.
    const [block] = rowsOf<{ first: string | number }>(
      await this.#db.execute(sql`with block as (
          insert into counters (name, next) values ('object_id', ${count})
          on conflict (name) do update set next = counters.next + ${count}
          returning next - ${count} as first)
        insert into objects (id, cluster_id, state, prepared_until)
        select g, ${this.#clusterId}, ${ObjectState.PREPARED}, ${preparedUntil}
        from block, generate_series(block.first, block.first + ${count - 1}) as g
        returning (select first from block) as first`),
    );
    return Number(block!.first);
  }

  async commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void> {
    const closes = request.closeStreams ?? [];
    if (closes.length > 0 && request.compactedObjectIds.length > 0)
      throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "a compaction cannot close streams");
    await inTransaction(this.#db, async (tx) => {
      await commitObjects(
        tx,
        { clusterId: this.#clusterId, now: this.#now() },
        { kind: "streamSet", request },
      );
      if (closes.length === 0) return;
      // The tail's commit and the close in one transaction: a refused close undoes the commit too.
      const refused = (await this.#closeIn(tx, closes)).find((outcome) => outcome !== undefined);
      if (refused) throw refused;
    });
  }

  async commitStreamObject(request: CommitStreamObjectRequest): Promise<void> {
    await inTransaction(this.#db, (tx) =>
      commitObjects(tx, { clusterId: this.#clusterId, now: this.#now() }, { kind: "stream", request }),
    );
  }

  async getObjects(
    streamId: number,
    startOffset: number,
    endOffset: number,
    limit: number,
  ): Promise<ObjectMetadata[]> {
    assertSafeIndex("startOffset", startOffset);
    assertSafeIndex("endOffset", endOffset);
    assertSafeIndex("limit", limit);
    assertReadableFrom(toStreamMetadata(await this.#stream(this.#db, streamId, false)), startOffset);
    if (limit === 0 || endOffset <= startOffset) return [];
    const rows = await this.#db
      .select({ range: objectRanges, object: objects })
      .from(objectRanges)
      .innerJoin(objects, eq(objects.id, objectRanges.objectId))
      .where(
        and(
          eq(objectRanges.streamId, streamId),
          gt(objectRanges.endOffset, startOffset),
          lt(objectRanges.startOffset, endOffset),
        ),
      )
      .orderBy(asc(objectRanges.startOffset))
      .limit(limit);
    return rows.map(({ range, object }) => toObjectMetadata(object, [toRange(range)]));
  }

  async getStreamSetObjects(nodeId: number): Promise<ObjectMetadata[]> {
    assertSafeIndex("nodeId", nodeId);
    const rows = await this.#db
      .select()
      .from(objects)
      .where(
        and(
          eq(objects.clusterId, this.#clusterId),
          eq(objects.state, ObjectState.COMMITTED),
          eq(objects.type, "STREAM_SET"),
          eq(objects.nodeId, nodeId),
        ),
      )
      .orderBy(asc(objects.orderId));
    const ranges = await rangesOfObjects(
      this.#db,
      rows.map((r) => r.id),
    );
    return rows.map((row) => toObjectMetadata(row, ranges.get(row.id) ?? []));
  }

  async getOpeningStreams(nodeId: number): Promise<StreamMetadata[]> {
    assertSafeIndex("nodeId", nodeId);
    const rows = await this.#db
      .select()
      .from(streams)
      .where(
        and(
          eq(streams.clusterId, this.#clusterId),
          eq(streams.nodeId, nodeId),
          eq(streams.state, StreamState.OPENED),
          eq(streams.deleted, false),
        ),
      )
      .orderBy(asc(streams.id));
    return rows.map(toStreamMetadata);
  }

  async getUnreferencedObjects(gracePeriodMs: number, limit: number): Promise<UnreferencedObject[]> {
    assertSafeIndex("gracePeriodMs", gracePeriodMs);
    assertSafeIndex("limit", limit);
    const now = this.#now();
    // Expired preparations: the writer may have uploaded bytes that nothing will ever reference.
    await this.#db
      .update(objects)
      .set({ state: ObjectState.UNREFERENCED, unreferencedSince: sql`${objects.preparedUntil}` })
      .where(
        and(
          eq(objects.clusterId, this.#clusterId),
          eq(objects.state, ObjectState.PREPARED),
          lt(objects.preparedUntil, now),
        ),
      );
    const rows = await this.#db
      .select({ objectId: objects.id, since: objects.unreferencedSince })
      .from(objects)
      .where(
        and(
          eq(objects.clusterId, this.#clusterId),
          eq(objects.state, ObjectState.UNREFERENCED),
          lte(objects.unreferencedSince, now - gracePeriodMs),
        ),
      )
      .orderBy(asc(objects.unreferencedSince), asc(objects.id))
      .limit(limit);
    return rows.map((r) => ({ objectId: r.objectId, since: r.since ?? 0 }));
  }

  async forgetObjects(objectIds: number[]): Promise<void> {
    for (const id of objectIds) assertSafeIndex("objectId", id);
    if (objectIds.length === 0) return;
    await this.#db
      .delete(objects)
      .where(
        and(
          eq(objects.clusterId, this.#clusterId),
          eq(objects.state, ObjectState.UNREFERENCED),
          inArray(objects.id, objectIds),
        ),
      );
  }

  async #stream(db: DbOrTx, streamId: number, forUpdate: boolean): Promise<StreamRow> {
    assertSafeIndex("streamId", streamId);
    const query = db
      .select()
      .from(streams)
      .where(
        and(eq(streams.id, streamId), eq(streams.clusterId, this.#clusterId), eq(streams.deleted, false)),
      );
    const [row] = forUpdate ? await query.for("update") : await query;
    if (!row) throw streamNotFound(streamId);
    return row;
  }

  #lockStream(tx: DbOrTx, streamId: number): Promise<StreamRow> {
    return this.#stream(tx, streamId, true);
  }

  /** The stream, locked, if `epoch` is its current epoch (older: fenced; newer: never opened). */
  async #lockOwnedStream(tx: DbOrTx, streamId: number, epoch: number): Promise<StreamRow> {
    assertSafeIndex("epoch", epoch);
    const row = await this.#lockStream(tx, streamId);
    assertStreamOwner(toStreamMetadata(row), epoch);
    return row;
  }
}

/** A refusal the metadata rules decided (StreamStorageError) becomes the call's outcome; anything else throws. */
function asStorageError(error: unknown): StreamStorageError {
  if (!(error instanceof StreamStorageError)) throw error;
  return error;
}

/** A single call's outcome from its one-item batch: the value, or its refusal thrown. */
function settled<R>(outcome: R | StreamStorageError | undefined): R {
  if (outcome instanceof StreamStorageError) throw outcome;
  return outcome as R;
}
