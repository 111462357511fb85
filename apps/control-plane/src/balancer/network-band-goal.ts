// Goals 2 and 3: network in and network out of each broker within ±band of its share of the mean. Takes the
// broker furthest outside the band in either direction; if it is over, it gives to the brokers furthest
// under, if under, it takes from those furthest over. For each pair, the partition whose traffic is nearest
// the amount that would even the two is tried with its neighbours by size: a hot partition larger than the
// gap is passed over for smaller ones, so a broker holding one is emptied of the rest instead of the hot
// partition bouncing between brokers. A move must not add capacity excess and must cut the band excess by
// at least half the traffic it moves (no shuffling) or clear what is left of it. Nothing is done inside the band, nor for a total
// excess below the minimum useful change.
import {
  betterDelta,
  type ClusterModel,
  DIRECTIONS,
  type Direction,
  EPSILON,
  type MoveDelta,
} from "./cluster-model.ts";
import { DIRECTION_NAMES, type MoveRecorder, signedPercent } from "./move-recorder.ts";
import { Goal } from "./plan-types.ts";

const PAIR_CANDIDATES = 6;
const NEIGHBOURS = 4;
const WIDE_CANDIDATES = 2048;

export function runNetworkBandGoal(model: ClusterModel, recorder: MoveRecorder): void {
  const mean = model.meanLoad[0] + model.meanLoad[1];
  if (model.totals().band < model.options.minUsefulChange * mean) return;
  const stuck = new Set<number>();
  while (!recorder.full) {
    const worst = worstOutside(model, stuck);
    if (!worst) return;
    const { b, d } = worst;
    const over = model.load[d][b]! > model.target[d][b]!;
    const others = byDeviation(model, d, b, over);
    const pairs = over ? others.map((to) => [b, to] as const) : others.map((from) => [from, b] as const);
    // The partitions nearest the gap first; when none of them fits (its other direction would leave a band),
    // every partition that could narrow the gap.
    const excess = model.bandExcess(d, b, model.load[d][b]!);
    const best = bestMove(model, d, pairs, excess, false) ?? bestMove(model, d, pairs, excess, true);
    if (!best) {
      stuck.add(b * 2 + d);
      continue;
    }
    const [from, to] = [model.leaderIndex[best.p]!, best.to];
    const subject = over ? from : to;
    recorder.move(
      best.p,
      best.to,
      d === 0 ? Goal.NETWORK_IN : Goal.NETWORK_OUT,
      `broker ${model.brokers[subject]!.id} network ${DIRECTION_NAMES[d]} ${signedPercent(model.deviation(d, subject))} ` +
        `of its share of the mean (band ±${Math.round(100 * model.options.bandFraction)}%): ` +
        `${model.brokers[from]!.id} gives to ${model.brokers[to]!.id}`,
    );
    stuck.clear();
  }
}

function worstOutside(model: ClusterModel, stuck: Set<number>): { b: number; d: Direction } | undefined {
  let worst: { b: number; d: Direction } | undefined;
  let worstExcess = EPSILON;
  for (let b = 0; b < model.brokers.length; b++)
    for (const d of DIRECTIONS) {
      if (stuck.has(b * 2 + d)) continue;
      const excess = model.bandExcess(d, b, model.load[d][b]!);
      if (excess > worstExcess) [worst, worstExcess] = [{ b, d }, excess];
    }
  return worst;
}

/** The other side of a move with `b`: takers furthest under (b is over), or givers furthest over. */
function byDeviation(model: ClusterModel, d: Direction, b: number, bIsOver: boolean): number[] {
  const deviation = model.brokers.map((_, i) => (bIsOver ? 1 : -1) * model.deviation(d, i));
  return model.brokers
    .map((_, i) => i)
    .filter((i) => i !== b && (bIsOver ? model.canTake[i] : model.inSet[i]))
    .sort((x, y) => deviation[x]! - deviation[y]! || x - y)
    .slice(0, PAIR_CANDIDATES);
}

function bestMove(
  model: ClusterModel,
  d: Direction,
  pairs: readonly (readonly [number, number])[],
  excess: number,
  wide: boolean,
): { p: number; to: number; delta: MoveDelta } | undefined {
  let best: { p: number; to: number; delta: MoveDelta } | undefined;
  for (const [from, to] of pairs) {
    const gap = Math.min(
      model.load[d][from]! - model.target[d][from]!,
      model.target[d][to]! - model.load[d][to]!,
    );
    if (gap <= EPSILON) continue;
    const list = model.sorted[d][from]!;
    const at = model.lowerBound(d, list, gap);
    // A partition of twice the gap or more only moves the imbalance to the other broker.
    const candidates = wide
      ? model.movableAround(list, model.lowerBound(d, list, 2 * gap), WIDE_CANDIDATES, 0)
      : model.movableAround(list, at, NEIGHBOURS, NEIGHBOURS);
    for (const p of candidates) {
      const delta = model.evaluate(p, to);
      // Useful: cuts the excess by half the traffic moved at least, or by all that is left of it.
      const useful =
        delta.band < -EPSILON && -delta.band >= Math.min(0.5 * model.traffic(d, p), excess - EPSILON);
      if (useful && delta.capacity <= EPSILON && betterDelta(delta, best?.delta)) best = { p, to, delta };
    }
  }
  return best;
}
