// The states of one transactional id, as Kafka's TransactionState (KIP-98): the byte values are Kafka's
// (they are stored in the transaction log) and the allowed previous states are Kafka's, so a transition
// the coordinator never makes is caught instead of stored.
//
//   Empty ─AddPartitions→ Ongoing ─EndTxn(commit)→ PrepareCommit ─markers written→ CompleteCommit
//                                 └EndTxn(abort) / timeout / new InitProducerId→ PrepareAbort → CompleteAbort
//   CompleteCommit / CompleteAbort ─AddPartitions→ Ongoing ;  Empty / Complete* ─InitProducerId→ Empty
//   Dead: the id expired (its record is a tombstone).

export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

export const txnStateNames: Record<TxnState, string> = {
  0: "Empty",
  1: "Ongoing",
  2: "PrepareCommit",
  3: "PrepareAbort",
  4: "CompleteCommit",
  5: "CompleteAbort",
  6: "Dead",
};

const validPrevious: Record<TxnState, readonly TxnState[]> = {
  [TxnState.Empty]: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.Ongoing]: [TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.PrepareCommit]: [TxnState.Ongoing],
  [TxnState.PrepareAbort]: [TxnState.Ongoing],
  [TxnState.CompleteCommit]: [TxnState.PrepareCommit],
  [TxnState.CompleteAbort]: [TxnState.PrepareAbort],
  [TxnState.Dead]: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
};

export function isTxnState(value: number): value is TxnState {
  return Number.isInteger(value) && value >= 0 && value <= 6;
}

/** Whether the coordinator may move a transaction from `from` to `to`. */
export function canTransition(from: TxnState, to: TxnState): boolean {
  return validPrevious[to].includes(from);
}

/** A topic partition that is part of a transaction. */
export interface TxnPartition {
  readonly topic: string;
  readonly partition: number;
}

/** What the coordinator stores for one transactional id (Kafka's TransactionMetadata). */
export interface TxnMetadata {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** The producer id before the last one (its epoch ran out): a retried InitProducerId may name it. */
  readonly lastProducerId: bigint;
  readonly producerEpoch: number;
  /** The epoch before the last bump (a timeout abort bumps it): -1 when none. */
  readonly lastProducerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TxnState;
  /** The partitions written in the current transaction, sorted by topic then partition. */
  readonly partitions: readonly TxnPartition[];
  /** When the current transaction started (its first AddPartitions), -1 when there is none. */
  readonly startTimestamp: number;
  readonly lastUpdateTimestamp: number;
}

export function partitionKey(p: TxnPartition): string {
  return `${p.topic}\u0000${p.partition}`;
}

/** The union of two partition lists, sorted and without duplicates. */
export function mergePartitions(a: readonly TxnPartition[], b: readonly TxnPartition[]): TxnPartition[] {
  const byKey = new Map<string, TxnPartition>();
  for (const p of [...a, ...b]) byKey.set(partitionKey(p), { topic: p.topic, partition: p.partition });
  return [...byKey.values()].sort((x, y) =>
    x.topic === y.topic ? x.partition - y.partition : x.topic < y.topic ? -1 : 1,
  );
}
