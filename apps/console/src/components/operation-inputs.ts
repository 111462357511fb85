// An operation's input as rows a person reads: for a scaling decision (cluster.scale-out, cluster.scale-in,
// cluster.scale-hold) the figures it was made on, each against its threshold with what it meant; for any other
// operation each input as a name and a readable value (nested objects flattened to dotted names).
import { formatDuration, formatRate, formatTime } from "../format.ts";

export interface DecisionRow {
  metric: string;
  value: string;
  threshold: string;
  decision: string;
}

export interface InputRow {
  name: string;
  value: string;
}

/** What the autoscaler stores with a scaling decision (its DecisionEvidence); any field may be missing. */
interface Evidence {
  perBrokerBytesPerSec?: number[];
  utilization?: number;
  highWatermarkBytesPerSec?: number;
  lowWatermarkBytesPerSec?: number;
  highWatermarkPercent?: number;
  lowWatermarkPercent?: number;
  targetBytesPerSec?: number;
  capacityBytesPerSec?: number;
  periodSeconds?: number;
  desiredCapacity?: number;
  minBrokers?: number;
  maxBrokers?: number;
  cooldownUntil?: number;
}

const SCALING_TYPES: ReadonlySet<string> = new Set([
  "cluster.scale-out",
  "cluster.scale-in",
  "cluster.scale-hold",
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

function watermark(bytes: number | undefined, percent: number | undefined): string {
  if (bytes === undefined) return "—";
  return percent === undefined ? formatRate(bytes) : `${formatRate(bytes)} (${percent}% of capacity)`;
}

/** One period's load per broker against the band. */
function bandOf(value: number, e: Evidence): string {
  if (e.highWatermarkBytesPerSec !== undefined && value > e.highWatermarkBytesPerSec)
    return "above: scale out";
  if (e.lowWatermarkBytesPerSec !== undefined && value < e.lowWatermarkBytesPerSec) return "below: scale in";
  return "within the band";
}

/**
 * The rows of a scaling decision's input (metric, value, threshold, decision), or undefined for an operation
 * that is not one or carries no figures (then show `inputRows`).
 */
export function scalingDecisionRows(type: string, input: Record<string, unknown>): DecisionRow[] | undefined {
  if (!SCALING_TYPES.has(type)) return undefined;
  const raw = isObject(input.decision)
    ? input.decision
    : isObject(input.evidence)
      ? input.evidence
      : undefined;
  if (!raw) return undefined;
  const e = raw as Evidence;
  const band = `out above ${watermark(e.highWatermarkBytesPerSec, e.highWatermarkPercent)}, in below ${watermark(
    e.lowWatermarkBytesPerSec,
    e.lowWatermarkPercent,
  )}`;
  const rows: DecisionRow[] = [];
  const periods = (e.perBrokerBytesPerSec ?? []).filter((v) => num(v) !== undefined);
  const periodText = e.periodSeconds !== undefined ? ` (${formatDuration(e.periodSeconds * 1000)})` : "";
  periods.forEach((value, i) => {
    rows.push({
      metric: `Network in + out per broker, period ${i + 1} of ${periods.length}${periodText}`,
      value: formatRate(value),
      threshold: band,
      decision: bandOf(value, e),
    });
  });
  if (num(e.utilization) !== undefined && num(e.capacityBytesPerSec) !== undefined) {
    rows.push({
      metric: "Utilization of a broker's network (latest period)",
      value: `${Math.round(e.utilization! * 100)}%`,
      threshold: `capacity ${formatRate(e.capacityBytesPerSec!)} each way`,
      decision: "—",
    });
  }
  const from = num(input.from) ?? num(e.desiredCapacity);
  const to = num(input.to);
  const wanted = typeof input.wanted === "string" ? input.wanted : undefined;
  const reason =
    typeof input.reason === "string"
      ? input.reason
      : isObject(input.decision)
        ? input.decision.reason
        : undefined;
  rows.push({
    metric: "Brokers",
    value: to !== undefined && from !== undefined ? `${from} → ${to}` : String(from ?? "—"),
    threshold:
      e.minBrokers !== undefined && e.maxBrokers !== undefined ? `${e.minBrokers} to ${e.maxBrokers}` : "—",
    decision:
      type === "cluster.scale-hold"
        ? `held${wanted && wanted !== "none" ? ` (wanted ${wanted})` : ""}: ${String(reason ?? "")}`
        : `${type === "cluster.scale-out" ? "scale out" : "scale in"}${reason ? `: ${String(reason)}` : ""}`,
  });
  if (num(e.targetBytesPerSec) !== undefined) {
    rows.push({
      metric: "Target per broker after scaling",
      value: formatRate(e.targetBytesPerSec!),
      threshold: "the middle of the band",
      decision: "—",
    });
  }
  if (num(e.cooldownUntil) !== undefined) {
    rows.push({
      metric: "Cooldown",
      value: `until ${formatTime(e.cooldownUntil!)}`,
      threshold: "no scaling before",
      decision: "blocks the wanted action",
    });
  }
  return rows;
}

function readable(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.length === 0) return "none";
  if (Array.isArray(value) && value.every((v) => typeof v !== "object" || v === null))
    return value.join(", ");
  return JSON.stringify(value);
}

/** Every input as a name (dotted for nested objects) and a readable value, in the input's order. */
export function inputRows(input: Record<string, unknown>, prefix = ""): InputRow[] {
  return Object.entries(input).flatMap(([key, value]) =>
    isObject(value) && Object.keys(value).length > 0
      ? inputRows(value, `${prefix}${key}.`)
      : [{ name: `${prefix}${key}`, value: readable(value) }],
  );
}
