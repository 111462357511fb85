// Storage: the WAL, the log cache, the uploader, the cold read path and the compactor of one node, and the
// streams it has open. See stream-types.ts for the contract the broker codes against.
import { type CachedRecord, LogCache } from "./cache/log-cache.ts";
import { Compactor } from "./compaction/compactor.ts";
import { RateLimiter } from "./compaction/rate-limiter.ts";
import {
  type RecordRewrite,
  type RewriteOutcome,
  rewritableEnd,
  rewriteStream,
} from "./compaction/stream-rewriter.ts";
import { ErrorCode, StreamStorageError, toStreamStorageError } from "./errors.ts";
import { ObjectReader } from "./object/object-reader.ts";
import type { CreateStreamOptions } from "./object-manager.ts";
import { BlockVerifier } from "./read/block-verifier.ts";
import { ColdReader } from "./read/cold-reader.ts";
import { closeStreamsOf } from "./recover-foreign-wal.ts";
import { S3Stream, type StreamHost } from "./s3-stream.ts";
import { type ResolvedStorageOptions, resolveStorageOptions } from "./storage-options.ts";
import type {
  RecoveryReport,
  StorageOptions,
  Stream,
  StreamCloseStep,
  StreamRecord,
} from "./stream-types.ts";
import { ObjectIdPool } from "./upload/object-id-pool.ts";
import type { UploadContext } from "./upload/upload-records.ts";
import { Uploader } from "./upload/uploader.ts";
import { replayWal } from "./wal/replay-wal.ts";
import { WalFile } from "./wal/wal-file.ts";
import { type WalAppend, WalWriter } from "./wal/wal-writer.ts";

const PREPARE_TTL_MS = 10 * 60_000;
/** Object ids prepared ahead per refill, and how few left start the next (upload/object-id-pool.ts). */
const OBJECT_ID_BLOCK = 16;
const OBJECT_ID_LOW_WATER = 4;
const MAX_READ_AHEAD = 16 * 1024 * 1024;
const MAX_STREAM_SET_OBJECT_BYTES = 128 * 1024 * 1024;

export class Storage implements StreamHost {
  readonly options: ResolvedStorageOptions;
  /** What start-up recovery of this node's own WAL found (nothing to do on a fresh or cleanly shut WAL). */
  readonly recovery: RecoveryReport;
  readonly #wal: WalFile;
  readonly #writer: WalWriter;
  readonly #cache: LogCache;
  readonly #uploader: Uploader;
  readonly #objectIds: ObjectIdPool;
  readonly #cold: ColdReader;
  readonly #objectReader: ObjectReader;
  readonly #compactor: Compactor | undefined;
  readonly #rewriteLimiter: RateLimiter;
  readonly #ctx: UploadContext;
  readonly #streams = new Map<number, S3Stream>();
  readonly #verifier = new BlockVerifier();
  #shutdown: Promise<void> | undefined;

  private constructor(
    options: ResolvedStorageOptions,
    wal: WalFile,
    writeOffset: number,
    recovery: RecoveryReport,
  ) {
    this.options = options;
    this.recovery = recovery;
    this.#wal = wal;
    this.#cache = new LogCache(options.logCacheBytes, writeOffset);
    this.#writer = new WalWriter(wal, writeOffset, {
      appendTimeoutMs: options.appendTimeoutMs,
      onSpaceNeeded: () => this.#uploader.requestUpload(),
      onDropped: (records) => this.#rollback(records),
      observeWrite: options.observeWalWrite,
    });
    const ctx = uploadContext(options);
    this.#objectIds = new ObjectIdPool(options.objectManager, {
      ttlMs: PREPARE_TTL_MS,
      blockSize: OBJECT_ID_BLOCK,
      lowWater: OBJECT_ID_LOW_WATER,
    });
    this.#uploader = new Uploader({ ...ctx, objectIds: this.#objectIds }, this.#cache, this.#writer, {
      thresholdBytes: options.uploadThresholdBytes,
      intervalMs: options.uploadIntervalMs,
      onCommitted: (streamId, offset) => {
        const stream = this.#streams.get(streamId);
        if (stream) stream.committedOffset = offset;
      },
      onRefused: (streamId, reason) => this.#streams.get(streamId)?.markClosed(reason),
      onError: () => {}, // kept in uploader.lastError; the next trigger retries
    });
    this.#objectReader = new ObjectReader(
      options.objectStore,
      options.blockCacheBytes,
      options.coldReadBytesPerSecond,
      this.#verifier,
    );
    this.#cold = new ColdReader(options.objectManager, this.#objectReader, MAX_READ_AHEAD);
    this.#compactor = options.compaction
      ? new Compactor(ctx, options.compaction, () => [...this.#streams.values()])
      : undefined;
    this.#ctx = ctx;
    this.#rewriteLimiter = this.#compactor?.limiter ?? new RateLimiter(Number.POSITIVE_INFINITY);
  }

  /**
   * Opens (or creates) the WAL. An existing WAL must belong to this node; its records that the object index
   * lacks are uploaded first (crash recovery), then the WAL starts a new generation.
   */
  static async open(options: StorageOptions): Promise<Storage> {
    try {
      return await Storage.#open(resolveStorageOptions(options));
    } catch (error) {
      throw toStreamStorageError(error, `opening storage on ${options.walPath}`);
    }
  }

  static async #open(resolved: ResolvedStorageOptions): Promise<Storage> {
    let wal: WalFile;
    let recovery: RecoveryReport = emptyReport();
    const found = await WalFile.probe(resolved.walPath);
    if (resolved.requireExistingWal && found !== "wal") {
      throw new StreamStorageError(
        ErrorCode.WAL_MISSING,
        `${resolved.walPath} holds no WAL (${found}); refusing to format one where a WAL is expected`,
      );
    }
    if (found === "foreign") {
      throw new StreamStorageError(
        ErrorCode.WAL_INVALID,
        `${resolved.walPath} exists and is not a WAL; refusing to overwrite it`,
      );
    }
    if (found === "wal") {
      wal = await WalFile.open(resolved.walPath);
      try {
        const previousOwner = wal.header.nodeId;
        const adopting = previousOwner !== resolved.nodeId;
        if (wal.header.capacity !== resolved.walCapacity || (adopting && !resolved.adoptForeignWal)) {
          throw new StreamStorageError(
            ErrorCode.WAL_INVALID,
            `${resolved.walPath} belongs to node ${previousOwner} (capacity ${wal.header.capacity}); use recoverForeignWal or adoptForeignWal`,
          );
        }
        const replay = await replayWal(wal, uploadContext(resolved), resolved.uploadThresholdBytes);
        recovery = replay;
        // An adopted WAL's previous owner is gone: release its streams so their new owners can open them.
        if (adopting) await closeStreamsOf(resolved.objectManager, previousOwner, replay.endOffsets);
        await wal.writeHeader({
          trimOffset: replay.walEndOffset,
          generation: wal.header.generation + 1,
          nodeId: resolved.nodeId,
          nodeEpoch: resolved.nodeEpoch,
        });
      } catch (error) {
        await wal.close();
        throw error;
      }
    } else {
      wal = await WalFile.create(resolved.walPath, {
        capacity: resolved.walCapacity,
        nodeId: resolved.nodeId,
        nodeEpoch: resolved.nodeEpoch,
        trimOffset: 0,
        generation: 1,
      });
    }
    return new Storage(resolved, wal, wal.header.trimOffset, recovery);
  }

  get maxRecordBytes(): number {
    return this.options.maxRecordBytes;
  }

  async createStream(options?: CreateStreamOptions): Promise<{ streamId: number }> {
    this.#assertRunning();
    return this.options.objectManager.createStream(options);
  }

  /** Opens a stream for appends at `epoch` (fencing older owners). */
  async openStream(streamId: number, epoch: number): Promise<Stream> {
    this.#assertRunning();
    const existing = this.#streams.get(streamId);
    if (existing && !existing.closed) {
      if (existing.epoch === epoch) return existing;
      throw new StreamStorageError(
        ErrorCode.INVALID_ARGUMENT,
        `stream ${streamId} is already open at epoch ${existing.epoch}`,
      );
    }
    const meta = await this.options.objectManager.openStream(streamId, epoch, this.options.nodeId);
    const stream = new S3Stream(this, meta);
    this.#streams.set(streamId, stream);
    // Its close will upload a tail: have object ids ready for it (no-op while the pool holds some).
    this.#objectIds.warm();
    return stream;
  }

  writeRecord(record: CachedRecord, done: (error: Error | undefined) => void): void {
    this.#writer.appendThen(record, (error, walOffset) => {
      if (error === undefined) {
        record.walOffset = walOffset;
        this.#cache.add(record);
        this.#uploader.maybeUpload();
      }
      done(error);
    });
  }

  async readRecords(
    stream: S3Stream,
    startOffset: number,
    endOffset: number,
    maxBytes: number,
  ): Promise<StreamRecord[]> {
    const cached = this.#cache.read(stream.streamId, startOffset, endOffset, maxBytes);
    if (cached && cached.length > 0) return cached;
    const cold = await this.#cold.read(stream.streamId, startOffset, endOffset, maxBytes);
    const last = cold[cold.length - 1];
    const cursor = last ? last.baseOffset + last.count : startOffset;
    let bytes = cold.reduce((sum, r) => sum + r.payload.length, 0);
    if (cursor < endOffset && bytes < maxBytes) {
      for (const record of this.#cache.read(stream.streamId, cursor, endOffset, maxBytes - bytes) ?? []) {
        if (cold.length > 0 && bytes + record.payload.length > maxBytes) break;
        cold.push(record);
        bytes += record.payload.length;
      }
    }
    return cold;
  }

  async trimStream(stream: S3Stream, newStartOffset: number): Promise<void> {
    // The index can only be trimmed within what it has: upload this stream's tail first if needed.
    if (newStartOffset > stream.committedOffset) await this.#uploader.uploadStream(stream.streamId);
    await this.options.objectManager.trimStream(stream.streamId, stream.epoch, newStartOffset);
  }

  async closeStream(stream: S3Stream, commitAfter?: Promise<unknown>): Promise<void> {
    const observe = this.options.observeStreamClose;
    let from = performance.now();
    const lap = (step: StreamCloseStep) => {
      const now = performance.now();
      observe(step, (now - from) / 1000);
      from = now;
    };
    await stream.settled();
    lap("settle");
    // The tail's commit closes the stream too (one round trip), once what the caller writes beside the stream
    // meanwhile (a final checkpoint) has landed: the close never precedes it.
    const closedWithTail = await this.#uploader.uploadStream(stream.streamId, {
      epoch: stream.epoch,
      before: commitAfter,
    });
    await commitAfter?.catch(() => {});
    lap("upload");
    try {
      // No tail to commit, or the combined commit was refused: close on its own (fenced, deleted...).
      if (!closedWithTail) await this.options.objectManager.closeStream(stream.streamId, stream.epoch);
      lap("close");
    } catch (error) {
      // Fenced or deleted meanwhile: nothing of it is ours to keep. Anything else: let the caller retry.
      if (
        !(error instanceof StreamStorageError) ||
        (error.code !== ErrorCode.STREAM_FENCED && error.code !== ErrorCode.STREAM_NOT_FOUND)
      )
        throw error;
      this.#forget(stream);
      throw error;
    }
    this.#forget(stream);
  }

  #forget(stream: S3Stream): void {
    if (this.#streams.get(stream.streamId) === stream) this.#streams.delete(stream.streamId);
    this.#cache.removeStream(stream.streamId);
    this.#cold.forget(stream.streamId);
  }

  /** Stops appends, uploads everything, closes all streams and leaves the WAL empty. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown().catch((error: unknown) => {
      throw toStreamStorageError(error, "shutdown");
    });
    return this.#shutdown;
  }

  /**
   * Lets go of the WAL without uploading or closing anything: the node was fenced, so the object index
   * refuses its commits, and what the WAL holds must be replayed by the node's next epoch (Storage.open on
   * the same WAL) or by a recovering node. Pending appends fail with STREAM_CLOSED; an upload already
   * running settles first (its commit lands or is refused), so no commit of this storage can race the
   * replay. The WAL's records stay where they are. Idempotent; shutdown() after it does nothing more.
   */
  abandon(): Promise<void> {
    this.#shutdown ??= this.#doAbandon().catch((error: unknown) => {
      throw toStreamStorageError(error, "abandon");
    });
    return this.#shutdown;
  }

  /** Counters for metrics and benchmarks. */
  stats(): StorageStats {
    return {
      walUsedBytes: this.#writer.usedBytes,
      walCapacityBytes: this.#writer.capacity,
      walSpaceWaits: this.#writer.spaceWaits,
      walDurability: this.#wal.durability,
      pendingUploadBytes: this.#cache.unuploadedBytes,
      logCacheBytes: this.#cache.cachedBytes,
      blockCacheBytes: this.#objectReader.blockCache.bytes,
      blockCacheHits: this.#objectReader.blockCache.hits,
      blockCacheMisses: this.#objectReader.blockCache.misses,
      uploads: this.#uploader.uploads,
      compactions: this.#compactor?.runs ?? 0,
      objectsDeleted: this.#compactor?.objectsDeleted ?? 0,
    };
  }

  /** Changes the cold read bandwidth at run time, bytes/s (0 = unlimited). */
  setColdReadBandwidth(bytesPerSecond: number): void {
    this.#objectReader.setBandwidth(bytesPerSecond);
  }

  /** Uploads everything pending now (tests, benchmarks, planned moves). */
  flush(): Promise<void> {
    return this.#uploader.uploadAll().catch((error: unknown) => {
      throw toStreamStorageError(error, "upload");
    });
  }

  /**
   * Where the run of stream objects of `streamId` from `fromOffset` ends (exclusive, at most `endOffset`):
   * what rewriteStream can rewrite. Data in stream set objects is not rewritable (see separateStream).
   */
  async rewritableEnd(streamId: number, fromOffset: number, endOffset: number): Promise<number> {
    try {
      return (await rewritableEnd(this.#ctx, streamId, fromOffset, endOffset)).end;
    } catch (error) {
      throw toStreamStorageError(error, `listing objects of stream ${streamId}`);
    }
  }

  /**
   * Rewrites the payloads of the stream objects holding [startOffset, endOffset) of a stream open here,
   * offsets unchanged, each changed object replaced atomically in the object index (stream-rewriter.ts).
   * Paced by the compaction rate. STREAM_CLOSED when the stream is not open here (moved away).
   */
  async rewriteStream(
    streamId: number,
    startOffset: number,
    endOffset: number,
    rewrite: RecordRewrite,
  ): Promise<RewriteOutcome> {
    const stream = this.#streams.get(streamId);
    if (!stream || stream.closed) {
      throw new StreamStorageError(ErrorCode.STREAM_CLOSED, `stream ${streamId} is not open here`);
    }
    try {
      return await rewriteStream(
        this.#ctx,
        this.#rewriteLimiter,
        streamId,
        stream.epoch,
        startOffset,
        endOffset,
        rewrite,
      );
    } catch (error) {
      throw toStreamStorageError(error, `rewriting stream ${streamId}`);
    } finally {
      // Tail reads would go on serving the old payloads from memory: they now come from the objects.
      this.#cache.evictUploadedBelow(streamId, endOffset);
    }
  }

  /** Runs one compaction round now (when compaction is configured). */
  compactNow(): Promise<void> {
    return this.#compactor?.runOnce() ?? Promise.resolve();
  }

  async #doShutdown(): Promise<void> {
    await this.#stopAppends(new StreamStorageError(ErrorCode.STREAM_CLOSED, "storage is shutting down"));
    this.#compactor?.stop();
    await this.#compactor?.idle();
    try {
      await this.#uploader.uploadAll();
      // Only once everything is committed: a stream closed over records still in the WAL would be reopened
      // (here or elsewhere) at an end the replay of this WAL could no longer continue.
      await Promise.all(
        [...this.#streams.values()].map((s) =>
          this.options.objectManager.closeStream(s.streamId, s.epoch).catch(() => {}),
        ),
      );
    } finally {
      // Whatever failed, the WAL is let go of: its records stay there for the next open or a recoverer.
      await this.#release();
    }
  }

  async #doAbandon(): Promise<void> {
    await this.#stopAppends(
      new StreamStorageError(ErrorCode.STREAM_CLOSED, "storage was abandoned (node fenced)"),
    );
    this.#compactor?.stop();
    await Promise.all([this.#uploader.idle(), this.#compactor?.idle()]);
    await this.#release();
  }

  /** Fails every pending append with `reason` and waits for the WAL writes in flight. */
  async #stopAppends(reason: StreamStorageError): Promise<void> {
    for (const stream of this.#streams.values()) stream.markClosed(reason);
    this.#writer.dropWaiting(reason);
    await this.#writer.drain();
  }

  async #release(): Promise<void> {
    this.#uploader.stop();
    this.#objectIds.stop();
    this.#streams.clear();
    await this.#verifier.close();
    await this.#wal.close();
  }

  #rollback(records: WalAppend[]): void {
    for (const record of records) this.#streams.get(record.streamId)?.rollbackTo(record.baseOffset);
  }

  #assertRunning(): void {
    if (this.#shutdown) throw new StreamStorageError(ErrorCode.STREAM_CLOSED, "storage is shut down");
  }
}

export interface StorageStats {
  walUsedBytes: number;
  walCapacityBytes: number;
  /** Appends that waited for WAL space (uploads behind the ingest rate). */
  walSpaceWaits: number;
  /** How WAL writes become durable: one O_DSYNC write per group, or write + fdatasync (the fallback). */
  walDurability: "o_dsync" | "fdatasync";
  pendingUploadBytes: number;
  logCacheBytes: number;
  blockCacheBytes: number;
  blockCacheHits: number;
  blockCacheMisses: number;
  uploads: number;
  compactions: number;
  /** Unreferenced objects this node deleted from the object store (and the index forgot). */
  objectsDeleted: number;
}

function uploadContext(options: ResolvedStorageOptions): UploadContext {
  return {
    objectStore: options.objectStore,
    objectManager: options.objectManager,
    nodeId: options.nodeId,
    nodeEpoch: options.nodeEpoch,
    streamObjectThresholdBytes: options.streamObjectThresholdBytes,
    maxStreamSetObjectBytes: MAX_STREAM_SET_OBJECT_BYTES,
    blockBytes: options.blockBytes,
    prepareTtlMs: PREPARE_TTL_MS,
  };
}

function emptyReport(): RecoveryReport {
  return {
    endOffsets: new Map(),
    recoveredRecords: 0,
    scannedBytes: 0,
    stop: "end",
    skippedStreams: new Map(),
  };
}
