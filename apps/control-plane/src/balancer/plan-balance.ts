// The balancer's planner: a pure, deterministic function from the cluster's brokers, partitions and their
// traffic to the moves that balance it, each with its goal and reason, and every broker's expected load
// before and after. Goals in order (an earlier goal is never made worse by a later one): capacity, network
// in and out within the band, even partition counts; fewest moves (each move is the best of its step, and
// no partition moves twice in a plan); nothing inside the band; nothing within a partition's cooldown;
// draining and slow brokers take nothing.

import { runCapacityGoal } from "./capacity-goal.ts";
import { ClusterModel, DIRECTIONS, EPSILON } from "./cluster-model.ts";
import { DIRECTION_NAMES, MoveRecorder, signedPercent } from "./move-recorder.ts";
import { runNetworkBandGoal } from "./network-band-goal.ts";
import { runPartitionCountGoal } from "./partition-count-goal.ts";
import {
  type BalancePlan,
  type BalancerBroker,
  type BalancerOptions,
  type BalancerPartition,
  DEFAULT_BALANCER_OPTIONS,
  Goal,
  type GoalOutcome,
} from "./plan-types.ts";

export function planBalance(
  brokers: readonly BalancerBroker[],
  partitions: readonly BalancerPartition[],
  options: Partial<BalancerOptions> & { now: number },
): BalancePlan {
  const settings: BalancerOptions = { ...DEFAULT_BALANCER_OPTIONS, ...options };
  checkInput(brokers, partitions, settings);
  const model = new ClusterModel(brokers, partitions, settings);
  const before = model.loads();
  const metBefore = goalsMet(model);
  const recorder = new MoveRecorder(model);
  // Until no goal finds a move: a count move can open a band move that was not there (so the plan
  // applied leaves nothing to do). Every move lowers (capacity, band, count) excess in that order and
  // no partition moves twice, so this ends.
  for (let moves = -1; moves !== recorder.moves.length && !recorder.full; ) {
    moves = recorder.moves.length;
    runCapacityGoal(model, recorder);
    runNetworkBandGoal(model, recorder);
    runPartitionCountGoal(model, recorder);
  }
  const metAfter = goalsMet(model);
  const goals: GoalOutcome[] = (Object.keys(metAfter) as Goal[]).map((goal) => ({
    goal,
    metBefore: metBefore[goal],
    metAfter: metAfter[goal],
    detail: metAfter[goal] ? "" : unmetDetail(model, goal),
  }));
  return { moves: recorder.moves, before, after: model.loads(), goals };
}

function checkInput(
  brokers: readonly BalancerBroker[],
  partitions: readonly BalancerPartition[],
  options: BalancerOptions,
): void {
  const ids = new Set<number>();
  for (const b of brokers) {
    if (ids.has(b.id)) throw new RangeError(`broker ${b.id} is listed twice`);
    ids.add(b.id);
    if (!(b.capacityInBytesPerSec > 0) || !(b.capacityOutBytesPerSec > 0))
      throw new RangeError(`broker ${b.id}: network capacity must be above 0 bytes/s`);
  }
  for (const p of partitions)
    if (
      !(p.bytesInPerSec >= 0 && p.bytesOutPerSec >= 0) ||
      !Number.isFinite(p.bytesInPerSec + p.bytesOutPerSec)
    )
      throw new RangeError(`${p.topic}-${p.partition}: traffic must be finite and at least 0 bytes/s`);
  if (!(options.bandFraction > 0) || !(options.capacityThreshold > 0) || options.cooldownMs < 0)
    throw new RangeError("bandFraction and capacityThreshold must be above 0, cooldownMs at least 0");
}

function goalsMet(model: ClusterModel): Record<Goal, boolean> {
  const met = { capacity: true, in: true, out: true };
  for (let b = 0; b < model.brokers.length; b++) {
    if (model.capacityExcess(b, model.load[0][b]!, model.load[1][b]!) > EPSILON) met.capacity = false;
    if (model.bandExcess(0, b, model.load[0][b]!) > EPSILON) met.in = false;
    if (model.bandExcess(1, b, model.load[1][b]!) > EPSILON) met.out = false;
  }
  return {
    [Goal.CAPACITY]: met.capacity,
    [Goal.NETWORK_IN]: met.in,
    [Goal.NETWORK_OUT]: met.out,
    [Goal.PARTITION_COUNT]: model.totals().count === 0,
  };
}

/** Which brokers are still off, and the biggest partition each leads (a hot partition explains most). */
function unmetDetail(model: ClusterModel, goal: Goal): string {
  const off: string[] = [];
  for (let b = 0; b < model.brokers.length; b++) {
    const id = model.brokers[b]!.id;
    if (goal === Goal.CAPACITY && model.capacityExcess(b, model.load[0][b]!, model.load[1][b]!) > EPSILON)
      off.push(`broker ${id} above ${Math.round(100 * model.options.capacityThreshold)}% of its capacity`);
    if (goal === Goal.PARTITION_COUNT && model.countExcess(b, model.count[b]!) > 0)
      off.push(`broker ${id} leads ${model.count[b]} (even: ${model.countFloor}–${model.countCeil})`);
    for (const d of DIRECTIONS) {
      const wanted = d === 0 ? Goal.NETWORK_IN : Goal.NETWORK_OUT;
      if (goal !== wanted || model.bandExcess(d, b, model.load[d][b]!) <= EPSILON) continue;
      const biggest = biggestPartition(model, b, d);
      off.push(
        `broker ${id} ${DIRECTION_NAMES[d]} ${signedPercent(model.deviation(d, b))}` +
          (biggest ? ` (its busiest partition ${biggest} alone)` : ""),
      );
    }
  }
  const why =
    goal === Goal.PARTITION_COUNT
      ? "no move evens counts without breaking the network band or a cooldown"
      : "no move improves it: hot partitions larger than the band, partitions in cooldown, or brokers that cannot take";
  return `${off.slice(0, 10).join("; ")}${off.length > 10 ? `; and ${off.length - 10} more` : ""} — ${why}`;
}

function biggestPartition(model: ClusterModel, b: number, d: 0 | 1): string | undefined {
  let best = -1;
  for (let p = 0; p < model.partitions.length; p++)
    if (model.leaderIndex[p] === b && (best < 0 || model.traffic(d, p) > model.traffic(d, best))) best = p;
  if (best < 0) return undefined;
  const part = model.partitions[best]!;
  const target = model.target[d][b]!;
  return `${part.topic}-${part.partition} at ${Math.round((100 * model.traffic(d, best)) / Math.max(target, EPSILON))}% of the broker's share`;
}
