// Goal 4: partition (= leader) counts even: every broker within [floor, ceil] of the mean count (a broker
// that cannot take may stay below). Moves the quietest partitions of the broker leading the most to the
// broker leading the fewest, never adding capacity or band excess, so counts never undo the network goals.
import { type ClusterModel, DIRECTIONS, EPSILON, type MoveDelta } from "./cluster-model.ts";
import type { MoveRecorder } from "./move-recorder.ts";
import { Goal } from "./plan-types.ts";

const PAIR_CANDIDATES = 6;
const QUIETEST = 16;

export function runPartitionCountGoal(model: ClusterModel, recorder: MoveRecorder): void {
  while (!recorder.full && model.totals().count > 0) {
    const indices = model.brokers.map((_, b) => b);
    const givers = indices
      .filter((b) => model.inSet[b] && model.count[b]! > model.countFloor)
      .sort((x, y) => model.count[y]! - model.count[x]! || x - y)
      .slice(0, PAIR_CANDIDATES);
    const takers = indices
      .filter((b) => model.canTake[b] && model.count[b]! < model.countCeil)
      .sort((x, y) => model.count[x]! - model.count[y]! || x - y)
      .slice(0, PAIR_CANDIDATES);
    let move = firstMove(model, givers, takers);
    if (!move) return;
    // The same pair again while it still helps: re-ranking the brokers after every move costs more.
    for (
      const [from, to] = [model.leaderIndex[move.p]!, move.to];
      move;
      move = firstMove(model, [from], [to])
    ) {
      recorder.move(
        move.p,
        to,
        Goal.PARTITION_COUNT,
        `broker ${model.brokers[from]!.id} leads ${model.count[from]} partitions, broker ${model.brokers[to]!.id} ` +
          `${model.count[to]} (even: ${model.countFloor}–${model.countCeil})`,
      );
      if (recorder.full) return;
    }
  }
}

function firstMove(
  model: ClusterModel,
  givers: readonly number[],
  takers: readonly number[],
): { p: number; to: number } | undefined {
  for (const from of givers)
    for (const to of takers) {
      if (from === to) continue;
      let best: { p: number; traffic: number } | undefined;
      for (const d of DIRECTIONS) {
        for (const p of model.movableAround(model.sorted[d][from]!, 0, 0, QUIETEST)) {
          const traffic = model.traffic(0, p) + model.traffic(1, p);
          if (best && best.traffic <= traffic) continue;
          if (acceptable(model.evaluate(p, to))) best = { p, traffic };
        }
      }
      if (best) return { p: best.p, to };
    }
  return undefined;
}

const acceptable = (delta: MoveDelta) =>
  delta.count < 0 && delta.capacity <= EPSILON && delta.band <= EPSILON;
