// Collects a plan's moves in the order the goals chose them, and stops the goals at the plan's move limit.
import type { ClusterModel } from "./cluster-model.ts";
import type { Goal, PlannedMove } from "./plan-types.ts";

export class MoveRecorder {
  readonly moves: PlannedMove[] = [];
  readonly #model: ClusterModel;

  constructor(model: ClusterModel) {
    this.#model = model;
  }

  get full(): boolean {
    return this.moves.length >= this.#model.options.maxMoves;
  }

  /** Applies the move to the model and records it with its reason (written before the loads change). */
  move(p: number, to: number, goal: Goal, reason: string): void {
    const model = this.#model;
    const part = model.partitions[p]!;
    this.moves.push({
      topicId: part.topicId,
      topic: part.topic,
      partition: part.partition,
      from: model.brokers[model.leaderIndex[p]!]!.id,
      to: model.brokers[to]!.id,
      goal,
      reason,
      bytesInPerSec: part.bytesInPerSec,
      bytesOutPerSec: part.bytesOutPerSec,
    });
    model.apply(p, to);
  }
}

/** "12.3 MB/s" */
export function rate(bytesPerSec: number): string {
  return `${(bytesPerSec / 1e6).toFixed(bytesPerSec < 1e5 ? 3 : 1)} MB/s`;
}

/** "+34%" / "-8%" */
export function signedPercent(fraction: number): string {
  const pct = Math.round(fraction * 100);
  return `${pct >= 0 ? "+" : ""}${pct}%`;
}

export const DIRECTION_NAMES = ["in", "out"] as const;
