// The stream API the broker codes against. Implemented by Storage (storage.ts) and the streams it opens.
import type { ObjectStore } from "@cirrus/object-store";
import type { ObjectManager } from "./object-manager.ts";

/** One append as stored and returned by reads: opaque bytes plus their offsets. */
export interface StreamRecord {
  /** Offset of the first logical record in the payload. */
  baseOffset: number;
  /** How many offsets the payload spans (>= 1): the next record starts at baseOffset + count. */
  count: number;
  /** Caller-defined timestamp (ms), e.g. the batch's max timestamp; 0 when not given. */
  timestamp: number;
  /** The bytes exactly as appended. Readers must not mutate them (they may be shared with the cache). */
  payload: Buffer;
}

export interface AppendRequest {
  /** Stored as given, never copied before the WAL write: the caller must not mutate it afterwards. */
  payload: Buffer;
  /** Number of offsets this append takes (>= 1). */
  count: number;
  timestamp?: number;
}

export interface Stream {
  readonly streamId: number;
  readonly epoch: number;
  /** First readable offset (moves forward with trim). */
  readonly startOffset: number;
  /**
   * The offset the next append gets. Synchronous and exact: the value read immediately before a
   * synchronous call to append() is that append's baseOffset (appends are ordered by call order).
   */
  readonly nextOffset: number;
  /** One past the last offset durable on the WAL (acked). Reads never return data beyond it. */
  readonly confirmOffset: number;

  /**
   * Appends one record. The offsets are assigned synchronously at call time; the promise resolves once the
   * record is durable on the WAL (one fdatasync shared by many appends). It waits (bounded by the storage's
   * appendTimeoutMs) while the WAL is full, then rejects with BACKPRESSURE_TIMEOUT (retriable). A rejected
   * append never leaves a gap: every append of the stream still queued behind it is rejected too, and
   * nextOffset rolls back to the first rejected baseOffset. A WAL I/O failure rejects with WAL_IO_ERROR and
   * stops the storage. Rejects with STREAM_CLOSED after close/shutdown.
   */
  append(request: AppendRequest): Promise<{ baseOffset: number }>;

  /**
   * Records overlapping [startOffset, endOffset), whole appends, in offset order. The first record may begin
   * before startOffset (whole appends are never cut). Stops before exceeding maxBytes of payload, but always
   * returns at least one record when any exists. Only acked data is returned. startOffset below startOffset()
   * or above confirmOffset: OFFSET_OUT_OF_RANGE; startOffset == confirmOffset: [].
   * Recent data comes from the log cache; older data from object storage through the block cache.
   */
  read(startOffset: number, endOffset: number, maxBytes: number): Promise<StreamRecord[]>;

  /** Moves startOffset forward (never backward); data below it becomes unreadable and is later deleted. */
  trim(newStartOffset: number): Promise<void>;

  /**
   * Resolves once every append made before the call has settled (durable or rejected); confirmOffset is then
   * final unless more appends come.
   */
  settled(): Promise<void>;

  /**
   * Waits for pending appends, uploads this stream's tail to object storage, then closes it in metadata. If that
   * fails the stream keeps refusing appends, its data stays in the WAL (uploaded later), and close() may be
   * called again. With `commitAfter`, the close is committed only once that settles too (whether it fulfils
   * or rejects): whatever the next owner must find beside the stream (a final checkpoint) is written while
   * the tail uploads, and is there before anyone can open the stream. Only the first call's options count.
   */
  close(options?: StreamCloseOptions): Promise<void>;
}

export interface StreamCloseOptions {
  readonly commitAfter?: Promise<unknown>;
}

export interface StorageOptions {
  /** WAL file (or block device) path; created with walCapacity bytes when absent. */
  walPath: string;
  /** Total WAL size in bytes (header included). Fixed for the life of the file. */
  walCapacity: number;
  objectStore: ObjectStore;
  objectManager: ObjectManager;
  nodeId: number;
  nodeEpoch: number;
  /** Upload once this many bytes are waiting (default 1/3 of the WAL). */
  uploadThresholdBytes?: number;
  /** Upload data older than this even if below the threshold (default 30 s). */
  uploadIntervalMs?: number;
  /**
   * A stream with at least this many bytes in one upload (or compaction) gets its own stream object (default
   * 32 MiB). Each such object is one more PUT: with uploads of U bytes, at most 1 + U / this PUTs per upload.
   */
  streamObjectThresholdBytes?: number;
  /** Bytes of already uploaded data kept in the log cache for tail reads (default 64 MiB). */
  logCacheBytes?: number;
  /** Bytes of cold data kept in the block cache (default 64 MiB). */
  blockCacheBytes?: number;
  /**
   * Bandwidth of cold reads from object storage, bytes/s (default 0: unlimited). Catch-up consumers then
   * cannot take the CPU and memory bandwidth appends need (AutoMQ limits catch-up reads the same way).
   */
  coldReadBytesPerSecond?: number;
  /** Longest an append waits for WAL space before BACKPRESSURE_TIMEOUT (default 10 s). */
  appendTimeoutMs?: number;
  /** Largest single append (default 16 MiB, and never above a quarter of the WAL). */
  maxRecordBytes?: number;
  /**
   * When the WAL at walPath was written by another node (a volume re-attached after failover, or this
   * broker restarting under a new node id): replay it like recoverForeignWal, close that node's streams, and
   * take the WAL over. Without it such a WAL is refused with WAL_INVALID. Default false.
   */
  adoptForeignWal?: boolean;
  /**
   * The WAL must already exist at walPath (a reopen after fencing, a restart on a volume that held one):
   * anything else is refused with WAL_MISSING instead of formatting a new WAL, because a WAL that went
   * missing (a volume detached underneath) may still hold acknowledged records elsewhere. Default false.
   */
  requireExistingWal?: boolean;
  /** Background compaction; disabled when omitted. */
  compaction?: CompactionOptions;
  /**
   * Told after each durable group write of the WAL: its duration (seconds, write and flush to the device) and
   * size. Called on the append path: keep it to a few arithmetic operations (a histogram cell).
   */
  observeWalWrite?: (seconds: number, bytes: number) => void;
  /**
   * Told of each step of a stream's close (a partition moving away): `settle` (appends in flight reach the
   * WAL), `upload` (the stream's tail uploaded and committed to the object index, and the close's
   * `commitAfter` settled), `close` (the close committed to the object index); seconds each. Not called for
   * the steps of a failed close.
   */
  observeStreamClose?: (step: StreamCloseStep, seconds: number) => void;
}

/** The steps of a stream's close that StorageOptions.observeStreamClose is told of, in order. */
export type StreamCloseStep = "settle" | "upload" | "close";

export interface CompactionOptions {
  /** How often the compactor runs (ms). */
  intervalMs: number;
  /** Max bytes per second read + written by compaction. */
  bytesPerSecond: number;
  /** Stream objects smaller than this are merged (default 64 MiB). */
  targetStreamObjectBytes?: number;
  /** Unreferenced objects are deleted only after this long (default 60 s). */
  deleteGracePeriodMs?: number;
  /**
   * Asked once a round: whether this node deletes unreferenced objects in that round (default: always).
   * The unreferenced list is the whole cluster's, so a cluster lets one node answer true (the broker: the
   * one the control plane names controller); two nodes deleting the same object is harmless (deletes and
   * forgets are idempotent), only wasted requests. A rejection skips the deletion for that round.
   */
  deletesUnreferenced?: () => boolean | Promise<boolean>;
  /**
   * Streams whose data must leave stream set objects for stream objects of their own at the next compaction,
   * however small (default: none): only stream objects can be rewritten (Storage.rewriteStream), e.g. by a
   * log cleaner. Each such stream costs one more PUT per compaction round that finds its data.
   */
  separateStream?: (streamId: number) => boolean;
}

/** What recovery of a WAL found and did. */
export interface RecoveryReport {
  /** Next offset of each stream that had records in the WAL, after the recovered data was committed. */
  endOffsets: Map<number, number>;
  /** Records replayed and committed (those already in the object index are skipped). */
  recoveredRecords: number;
  /** Bytes of WAL scanned. */
  scannedBytes: number;
  /** Why the scan stopped: the clean end of the log, a torn tail, or a corrupt record (never served). */
  stop: "end" | "torn" | "corrupt";
  /** Streams whose WAL records could not be committed (deleted, fenced by a newer epoch, gap), with why. */
  skippedStreams: Map<number, string>;
}
