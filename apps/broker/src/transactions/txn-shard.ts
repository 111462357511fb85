// The transactions of one partition of the transaction-state topic: Kafka's TransactionCoordinator state
// machine (txn-state.ts) over the ids that hash to this partition. Every decision is written to the
// transaction log (write-ahead: memory changes only once the record is durable) and each id's requests run
// one at a time. Once PrepareCommit/PrepareAbort is durable, EndTxn is answered and the markers are written
// to every partition of the transaction in the background (retried until they are, including after a move:
// a replayed Prepare* is completed by the new owner), then Complete* is stored.
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { Clock } from "../groups/clock.ts";
import type { TxnLog } from "./txn-log.ts";
import type { TxnLogRecord } from "./txn-log-record.ts";
import {
  canTransition,
  mergePartitions,
  type TxnMetadata,
  type TxnPartition,
  TxnState,
} from "./txn-state.ts";

/** Writes commit/abort markers; resolves once every partition holds one, rejects if any failed (retried whole). */
export interface MarkerWriter {
  write(request: MarkerRequest): Promise<void>;
}

export interface MarkerRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
  readonly partitions: readonly TxnPartition[];
}

export interface TxnShardOptions {
  readonly partition: number;
  /** The leader epoch of the transaction-log partition: stamped in markers. */
  readonly coordinatorEpoch: number;
  readonly clock: Clock;
  readonly log: TxnLog;
  readonly markers: MarkerWriter;
  /** A producer id never handed out before, or null while none can be (answered as retriable). */
  readonly allocateProducerId: () => bigint | null;
  readonly maxTimeoutMs: number;
  /** An Empty/Complete* id idle this long is forgotten (Kafka's transactional.id.expiration.ms). */
  readonly idExpirationMs: number;
  readonly markerRetryMs: number;
  readonly onBackgroundError: (error: unknown) => void;
}

export interface InitProducerIdResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

const MAX_EPOCH = 32767;

export class TxnShard {
  readonly partition: number;
  readonly #o: TxnShardOptions;
  readonly #txns = new Map<string, TxnMetadata>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #completing = new Set<string>();
  #serving = false;
  #unloaded = false;

  constructor(options: TxnShardOptions) {
    this.partition = options.partition;
    this.#o = options;
  }

  /** Applies a replayed record (last record per id wins). */
  replay(record: TxnLogRecord): void {
    if (record.value === null) this.#txns.delete(record.transactionalId);
    else this.#txns.set(record.transactionalId, record.value);
  }

  /** Starts serving: transactions replayed in PrepareCommit/PrepareAbort get their markers written. */
  startServing(): void {
    if (this.#unloaded) return;
    this.#serving = true;
    for (const m of this.#txns.values()) this.#completeIfPrepared(m.transactionalId);
  }

  unload(): void {
    this.#unloaded = true;
    this.#serving = false;
  }

  get isServing(): boolean {
    return this.#serving;
  }

  get(transactionalId: string): TxnMetadata | undefined {
    return this.#txns.get(transactionalId);
  }

  all(): TxnMetadata[] {
    return [...this.#txns.values()];
  }

  initProducerId(
    transactionalId: string,
    timeoutMs: number,
    expected: { producerId: bigint; producerEpoch: number } = { producerId: -1n, producerEpoch: -1 },
  ): Promise<InitProducerIdResult> {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > this.#o.maxTimeoutMs) {
      return Promise.resolve(fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT));
    }
    return this.#serial(transactionalId, fail, async () => {
      const now = this.#o.clock.now();
      const m = this.#txns.get(transactionalId);
      if (!m) {
        const producerId = this.#o.allocateProducerId();
        if (producerId === null) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        const fresh: TxnMetadata = {
          transactionalId,
          producerId,
          lastProducerId: -1n,
          producerEpoch: 0,
          lastProducerEpoch: -1,
          timeoutMs,
          state: TxnState.Empty,
          partitions: [],
          startTimestamp: -1,
          lastUpdateTimestamp: now,
        };
        await this.#store(fresh);
        return { errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
      }
      if (expected.producerId >= 0n) {
        // KIP-360: a producer that names its id and epoch recovers only if it is the current one, or
        // retries an InitProducerId that already bumped it.
        const retried =
          expected.producerId === m.producerId && expected.producerEpoch === m.lastProducerEpoch;
        const retriedNewId = expected.producerId === m.lastProducerId && m.producerEpoch === 0;
        if ((retried || retriedNewId) && m.state === TxnState.Empty) {
          return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
        }
        if (expected.producerId !== m.producerId || expected.producerEpoch !== m.producerEpoch) {
          return fail(ErrorCode.PRODUCER_FENCED);
        }
      }
      switch (m.state) {
        case TxnState.PrepareCommit:
        case TxnState.PrepareAbort:
          return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
        case TxnState.Ongoing:
          // A new instance of the producer: fence the old one (epoch bump) and abort what it left open.
          // The client retries InitProducerId until the abort completed.
          await this.#prepare(m, false, now);
          return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
        default: {
          const exhausted = m.producerEpoch >= MAX_EPOCH - 1;
          let producerId = m.producerId;
          if (exhausted) {
            const allocated = this.#o.allocateProducerId();
            if (allocated === null) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
            producerId = allocated;
          }
          const next: TxnMetadata = {
            ...m,
            producerId,
            lastProducerId: exhausted ? m.producerId : m.lastProducerId,
            producerEpoch: exhausted ? 0 : m.producerEpoch + 1,
            lastProducerEpoch: exhausted ? -1 : m.producerEpoch,
            timeoutMs,
            state: TxnState.Empty,
            partitions: [],
            startTimestamp: -1,
            lastUpdateTimestamp: now,
          };
          await this.#store(next);
          return {
            errorCode: ErrorCode.NONE,
            producerId: next.producerId,
            producerEpoch: next.producerEpoch,
          };
        }
      }
    });
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn, with the group's offsets partition). Answers a Kafka error code. */
  addPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: readonly TxnPartition[],
  ): Promise<number> {
    return this.#serial(
      transactionalId,
      (code) => code,
      async () => {
        const m = this.#txns.get(transactionalId);
        const invalid = this.#checkProducer(m, producerId, producerEpoch);
        if (invalid !== ErrorCode.NONE || !m) return invalid;
        if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
          return ErrorCode.CONCURRENT_TRANSACTIONS;
        }
        const merged = mergePartitions(m.partitions, partitions);
        if (m.state === TxnState.Ongoing && merged.length === m.partitions.length) return ErrorCode.NONE;
        const now = this.#o.clock.now();
        await this.#store({
          ...m,
          state: TxnState.Ongoing,
          partitions: m.state === TxnState.Ongoing ? merged : mergePartitions([], partitions),
          startTimestamp: m.state === TxnState.Ongoing ? m.startTimestamp : now,
          lastUpdateTimestamp: now,
        });
        return ErrorCode.NONE;
      },
    );
  }

  /** EndTxn: answered once PrepareCommit/PrepareAbort is durable; the markers follow. */
  endTxn(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
  ): Promise<number> {
    return this.#serial(
      transactionalId,
      (code) => code,
      async () => {
        const m = this.#txns.get(transactionalId);
        const invalid = this.#checkProducer(m, producerId, producerEpoch);
        if (invalid !== ErrorCode.NONE || !m) return invalid;
        switch (m.state) {
          case TxnState.Ongoing:
            await this.#prepare(m, commit, this.#o.clock.now(), false);
            return ErrorCode.NONE;
          case TxnState.PrepareCommit:
            return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
          case TxnState.PrepareAbort:
            return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
          case TxnState.CompleteCommit:
            return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
          case TxnState.CompleteAbort:
            return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
          default:
            return ErrorCode.INVALID_TXN_STATE;
        }
      },
    );
  }

  /**
   * Aborts every Ongoing transaction older than its timeout (bumping the epoch, which fences the producer
   * that let it expire), forgets ids idle beyond idExpirationMs, and completes Prepare* transactions whose
   * completion stopped (a failed log write). Call periodically.
   */
  async expire(): Promise<void> {
    if (!this.#serving) return;
    const now = this.#o.clock.now();
    const work: Promise<unknown>[] = [];
    for (const m of this.#txns.values()) {
      const id = m.transactionalId;
      if (m.state === TxnState.Ongoing && m.startTimestamp + m.timeoutMs < now) {
        work.push(
          this.#serial(
            id,
            () => undefined,
            async () => {
              const current = this.#txns.get(id);
              if (current?.state !== TxnState.Ongoing || current.startTimestamp + current.timeoutMs >= now)
                return;
              await this.#prepare(current, false, now);
            },
          ),
        );
      } else if (
        (m.state === TxnState.Empty ||
          m.state === TxnState.CompleteCommit ||
          m.state === TxnState.CompleteAbort) &&
        m.lastUpdateTimestamp + this.#o.idExpirationMs < now
      ) {
        work.push(
          this.#serial(
            id,
            () => undefined,
            async () => {
              const current = this.#txns.get(id);
              if (current !== m) return;
              await this.#o.log.append([{ transactionalId: id, value: null }]);
              this.#txns.delete(id);
            },
          ),
        );
      } else {
        this.#completeIfPrepared(id);
      }
    }
    await Promise.all(work);
  }

  #checkProducer(m: TxnMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (!m || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== m.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  /** Stores Prepare* (bumping the epoch when `fence`) and starts writing the markers. */
  async #prepare(m: TxnMetadata, commit: boolean, now: number, fence = true): Promise<void> {
    const bump = fence && m.producerEpoch < MAX_EPOCH;
    await this.#store({
      ...m,
      producerEpoch: bump ? m.producerEpoch + 1 : m.producerEpoch,
      lastProducerEpoch: bump ? m.producerEpoch : m.lastProducerEpoch,
      state: commit ? TxnState.PrepareCommit : TxnState.PrepareAbort,
      lastUpdateTimestamp: now,
    });
    queueMicrotask(() => this.#completeIfPrepared(m.transactionalId));
  }

  #completeIfPrepared(transactionalId: string): void {
    const m = this.#txns.get(transactionalId);
    if (!m || !this.#serving || this.#completing.has(transactionalId)) return;
    if (m.state !== TxnState.PrepareCommit && m.state !== TxnState.PrepareAbort) return;
    this.#completing.add(transactionalId);
    this.#complete(m).finally(() => this.#completing.delete(transactionalId));
  }

  async #complete(prepared: TxnMetadata): Promise<void> {
    const committed = prepared.state === TxnState.PrepareCommit;
    for (;;) {
      if (!this.#serving) return;
      try {
        await this.#o.markers.write({
          transactionalId: prepared.transactionalId,
          producerId: prepared.producerId,
          producerEpoch: prepared.producerEpoch,
          committed,
          coordinatorEpoch: this.#o.coordinatorEpoch,
          partitions: prepared.partitions,
        });
        break;
      } catch (error) {
        this.#o.onBackgroundError(error);
        await new Promise<void>((resolve) => this.#o.clock.schedule(this.#o.markerRetryMs, resolve));
      }
    }
    await this.#serial(
      prepared.transactionalId,
      () => undefined,
      async () => {
        if (this.#txns.get(prepared.transactionalId) !== prepared) return;
        await this.#store({
          ...prepared,
          state: committed ? TxnState.CompleteCommit : TxnState.CompleteAbort,
          partitions: [],
          lastUpdateTimestamp: this.#o.clock.now(),
        });
      },
    ).catch(this.#o.onBackgroundError);
  }

  /** Writes `next` to the log, then makes it the id's state. */
  async #store(next: TxnMetadata): Promise<void> {
    const current = this.#txns.get(next.transactionalId);
    if (current && !canTransition(current.state, next.state)) {
      throw new Error(
        `transaction ${next.transactionalId}: no transition from ${current.state} to ${next.state}`,
      );
    }
    await this.#o.log.append([{ transactionalId: next.transactionalId, value: next }]);
    if (this.#unloaded) throw new ShardUnloaded();
    this.#txns.set(next.transactionalId, next);
  }

  /**
   * Runs `op` after every earlier operation on the same id. NOT_COORDINATOR when the shard is not serving
   * (or was unloaded meanwhile); COORDINATOR_NOT_AVAILABLE when the log write failed (the client retries).
   */
  #serial<T>(transactionalId: string, fail: (errorCode: number) => T, op: () => Promise<T>): Promise<T> {
    if (!this.#serving) return Promise.resolve(fail(ErrorCode.NOT_COORDINATOR));
    const previous = this.#queues.get(transactionalId) ?? Promise.resolve();
    const run = previous.then(async () => {
      if (!this.#serving) return fail(ErrorCode.NOT_COORDINATOR);
      try {
        return await op();
      } catch (error) {
        if (error instanceof ShardUnloaded || !this.#serving) return fail(ErrorCode.NOT_COORDINATOR);
        this.#o.onBackgroundError(error);
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    });
    const settled = run.then(
      () => {},
      () => {},
    );
    this.#queues.set(transactionalId, settled);
    settled.then(() => {
      if (this.#queues.get(transactionalId) === settled) this.#queues.delete(transactionalId);
    });
    return run;
  }
}

class ShardUnloaded extends Error {}
