// Goal 1: no broker above its capacity threshold in either direction. Takes the broker furthest over, and
// moves the partition (among its busiest) to the broker (among those with the most headroom) that lowers
// the capacity excess most, ties broken by the band and counts. A broker nothing can help (a partition
// alone over every broker's threshold) is left and reported.
import { betterDelta, type ClusterModel, type Direction, EPSILON, type MoveDelta } from "./cluster-model.ts";
import { DIRECTION_NAMES, type MoveRecorder, rate } from "./move-recorder.ts";
import { Goal } from "./plan-types.ts";

const SOURCE_CANDIDATES = 32;
const TARGET_CANDIDATES = 8;

export function runCapacityGoal(model: ClusterModel, recorder: MoveRecorder): void {
  const stuck = new Set<number>();
  while (!recorder.full) {
    const from = worstOver(model, stuck);
    if (from < 0) return;
    const d = overDirection(model, from);
    const list = model.sorted[d][from]!;
    const targets = headroomOrder(model, d, from).slice(0, TARGET_CANDIDATES);
    let best: { p: number; to: number; delta: MoveDelta } | undefined;
    for (const p of model.movableAround(list, list.length, SOURCE_CANDIDATES, 0)) {
      for (const to of targets) {
        const delta = model.evaluate(p, to);
        if (delta.capacity < -EPSILON && betterDelta(delta, best?.delta)) best = { p, to, delta };
      }
    }
    if (!best) {
      stuck.add(from);
      continue;
    }
    const load = model.load[d][from]!;
    const capacity = model.capacity[d][from]!;
    recorder.move(
      best.p,
      best.to,
      Goal.CAPACITY,
      `broker ${model.brokers[from]!.id} network ${DIRECTION_NAMES[d]} ${rate(load)} is ${Math.round((100 * load) / capacity)}% of its capacity (threshold ${Math.round(100 * model.options.capacityThreshold)}%)`,
    );
    stuck.clear();
  }
}

function worstOver(model: ClusterModel, stuck: Set<number>): number {
  let worst = -1;
  let worstExcess = EPSILON;
  for (let b = 0; b < model.brokers.length; b++) {
    if (stuck.has(b)) continue;
    const excess = model.capacityExcess(b, model.load[0][b]!, model.load[1][b]!);
    if (excess > worstExcess) [worst, worstExcess] = [b, excess];
  }
  return worst;
}

function overDirection(model: ClusterModel, b: number): Direction {
  const t = model.options.capacityThreshold;
  const over = (d: Direction) => model.load[d][b]! - t * model.capacity[d][b]!;
  return over(1) > over(0) ? 1 : 0;
}

/** Brokers that can take, most headroom in direction `d` first. */
function headroomOrder(model: ClusterModel, d: Direction, except: number): number[] {
  const t = model.options.capacityThreshold;
  const headroom = (b: number) => t * model.capacity[d][b]! - model.load[d][b]!;
  return model.brokers
    .map((_, b) => b)
    .filter((b) => b !== except && model.canTake[b])
    .sort((a, b) => headroom(b) - headroom(a) || a - b);
}
