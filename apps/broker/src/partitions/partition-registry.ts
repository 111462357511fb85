// The partitions this broker serves, applied from the control plane's assignments (level-triggered: the
// `open` list is the full set to serve). A partition is removed from lookup *before* its stream is closed,
// so from that moment requests for it get NOT_LEADER_OR_FOLLOWER and clients go find the new leader.
import type { PartitionAssignment } from "@cirrus/broker-api";
import { AppendNotifier } from "./append-notifier.ts";
import { Partition, type PartitionStream } from "./partition.ts";
import type { CheckpointOptions } from "./partition-checkpointer.ts";

export interface PartitionStorage {
  /** Opens a stream for writing at `epoch` (s3stream: fences older epochs, replays nothing: data is in objects). */
  openStream(streamId: number, epoch: number): Promise<PartitionStream>;
  /**
   * Partition checkpoints (producer-state snapshots and time index): where they are stored and how often.
   * Without a store, every partition open replays its whole log.
   */
  readonly checkpoints?: Partial<CheckpointOptions>;
  /**
   * Told how long each step of a partition's hand-off took, in seconds: `open_stream` (the stream opened at
   * the new epoch), `close_checkpoint` and `close` (see Partition.close).
   */
  readonly observeHandoff?: (step: PartitionHandoffStep, seconds: number) => void;
}

/** Steps of a partition's hand-off that the registry times (the broker adds storage's close steps). */
export type PartitionHandoffStep = "open_stream" | "close_checkpoint" | "close";

export interface ReconcileResult {
  opened: number;
  closed: number;
  /** Partitions whose open failed; the caller retries the reconcile later. */
  failed: { assignment: PartitionAssignment; error: unknown }[];
}

const idKey = (topicId: string, partition: number) => `${topicId}:${partition}`;
const nameKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
/** Opens in flight at once: the control-plane client sends concurrent opens as one request (call-batcher.ts). */
const OPEN_CONCURRENCY = 64;

export class PartitionRegistry {
  readonly notifier = new AppendNotifier();
  readonly #storage: PartitionStorage;
  readonly #onOpened: ((partition: Partition) => void) | undefined;
  /** Set by the owner: a partition was dropped because its stream failed; re-apply the assignments. */
  onDropped: ((partition: Partition, error: unknown) => void) | undefined;
  readonly #byId = new Map<string, Partition>();
  readonly #byName = new Map<string, Partition>();
  /** Serialises reconciles: two overlapping ones could open the same stream twice. */
  #queue: Promise<unknown> = Promise.resolve();

  /** `onOpened` runs once per opened partition, before requests can reach it (e.g. load producer state). */
  constructor(storage: PartitionStorage, onOpened?: (partition: Partition) => void) {
    this.#storage = storage;
    this.#onOpened = onOpened;
  }

  get size(): number {
    return this.#byId.size;
  }

  byName(topic: string, partition: number): Partition | undefined {
    return this.#byName.get(nameKey(topic, partition));
  }

  byId(topicId: string, partition: number): Partition | undefined {
    return this.#byId.get(idKey(topicId, partition));
  }

  all(): Partition[] {
    return [...this.#byId.values()];
  }

  /**
   * Makes the served set equal `open` minus `close`: closes what is not wanted (or is wanted at a newer
   * leader epoch), then opens what is missing. Never throws; failures are reported for a retry.
   */
  reconcile(
    open: readonly PartitionAssignment[],
    close: readonly PartitionAssignment[] = [],
  ): Promise<ReconcileResult> {
    const run = this.#queue.then(() => this.#reconcile(open, close));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reconcile(
    open: readonly PartitionAssignment[],
    close: readonly PartitionAssignment[],
  ): Promise<ReconcileResult> {
    const closing = new Set(close.map((a) => idKey(a.topicId, a.partition)));
    const wanted = new Map<string, PartitionAssignment>();
    for (const a of open) {
      const key = idKey(a.topicId, a.partition);
      if (!closing.has(key)) wanted.set(key, a);
    }
    const toClose: Partition[] = [];
    for (const [key, partition] of this.#byId) {
      const want = wanted.get(key);
      if (!want || want.leaderEpoch !== partition.leaderEpoch || want.streamId !== partition.streamId) {
        toClose.push(partition);
      }
    }
    await Promise.all(toClose.map((p) => this.closePartition(p)));
    const toOpen = [...wanted].filter(([key]) => !this.#byId.has(key)).map(([, a]) => a);
    const failed: ReconcileResult["failed"] = [];
    let opened = 0;
    for (let i = 0; i < toOpen.length; i += OPEN_CONCURRENCY) {
      await Promise.all(
        toOpen.slice(i, i + OPEN_CONCURRENCY).map(async (assignment) => {
          try {
            await this.#open(assignment);
            opened++;
          } catch (error) {
            failed.push({ assignment, error });
          }
        }),
      );
    }
    return { opened, closed: toClose.length, failed };
  }

  async #open(a: PartitionAssignment): Promise<void> {
    const from = performance.now();
    const stream = await this.#storage.openStream(a.streamId, a.leaderEpoch);
    this.#storage.observeHandoff?.("open_stream", (performance.now() - from) / 1000);
    const partition = new Partition(
      {
        topic: a.topic,
        topicId: a.topicId,
        partition: a.partition,
        leaderEpoch: a.leaderEpoch,
        streamId: a.streamId,
      },
      stream,
      this.notifier,
      (failed, error) => {
        // The stream closed itself after a failed append: stop serving it now (clients get
        // NOT_LEADER_OR_FOLLOWER and retry) and let the owner reopen it from the assignments.
        void this.closePartition(failed).catch(() => {});
        this.onDropped?.(failed, error);
      },
      this.#storage.checkpoints,
    );
    // Start loading the checkpoint and replaying the tail now, so that the first idempotent produce and
    // ListOffsets find it ready; a failed load is retried by the first one that needs it.
    partition.checkpoints.ready().catch(() => {});
    this.#onOpened?.(partition);
    this.#byId.set(idKey(a.topicId, a.partition), partition);
    this.#byName.set(nameKey(a.topic, a.partition), partition);
  }

  #forget(partition: Partition): void {
    if (this.#byId.get(idKey(partition.topicId, partition.partition)) === partition) {
      this.#byId.delete(idKey(partition.topicId, partition.partition));
    }
    if (this.#byName.get(nameKey(partition.topic, partition.partition)) === partition) {
      this.#byName.delete(nameKey(partition.topic, partition.partition));
    }
  }

  /** Stops serving the partition, then closes its stream (uploading the tail). */
  async closePartition(partition: Partition): Promise<void> {
    this.#forget(partition);
    await partition.close(this.#storage.observeHandoff);
  }

  /** Closes every partition (graceful shutdown): tails uploaded, streams closed in metadata. */
  async closeAll(): Promise<{ failed: { partition: Partition; error: unknown }[] }> {
    const failed: { partition: Partition; error: unknown }[] = [];
    await this.#queue;
    await Promise.all(
      this.all().map((p) =>
        this.closePartition(p).catch((error: unknown) => {
          failed.push({ partition: p, error });
        }),
      ),
    );
    return { failed };
  }

  /**
   * Graceful shutdown before Storage.shutdown(): stops serving every partition (NOT_LEADER_OR_FOLLOWER from
   * now on) and catches their checkpointers up; `written` settles when their final checkpoints are stored
   * (each bounded by its closeTimeoutMs, never rejecting), so the next owners replay next to nothing.
   */
  async retireAll(): Promise<{ written: Promise<void> }> {
    await this.#queue;
    const partitions = this.all();
    for (const partition of partitions) this.#forget(partition);
    const retired = await Promise.all(partitions.map((p) => p.retire()));
    return { written: Promise.all(retired.map((r) => r.written)).then(() => undefined) };
  }

  /** Drops every partition without touching storage (fenced: another broker owns them now). */
  abandonAll(): void {
    for (const partition of this.all()) {
      this.#forget(partition);
      partition.abandon();
    }
  }
}
