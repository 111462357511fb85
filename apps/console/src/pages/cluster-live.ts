// A cluster's live state from GET /v1/clusters/{id}/events: the `snapshot` (cluster, brokers and watermarks)
// replaces it, `cluster` replaces the cluster, `brokers` the brokers, `network` updates each broker's load and
// lease and adds a point to its series, `watermarks` replaces them, and an `operation` that moves partitions
// counts as a change (what the broker map reloads on).
import { type StreamEvent, typedEvent } from "../api/event-stream.ts";
import type { Broker, Cluster, ClusterStreamEvent, MetricsView, Watermarks } from "../api/types.ts";
import type { ChartLine, ChartSeries } from "../components/line-chart.tsx";
import { formatRate } from "../format.ts";

/** Network points kept per broker: the chart's window (15 min) at the stream's pace (2 s). */
const MAX_POINTS = 450;

/** The operations that move partitions between brokers (records such as scale holds move nothing). */
const MOVES_PARTITIONS: ReadonlySet<string> = new Set([
  "cluster.rebalance",
  "broker.drain",
  "broker.replace",
  "broker.failover",
  "cluster.scale-out",
  "cluster.scale-in",
]);

/** The events this state follows (`error` is the stream's end, handled by use-live.ts). */
const CLUSTER_EVENTS: ReadonlySet<string> = new Set([
  "snapshot",
  "cluster",
  "brokers",
  "watermarks",
  "operation",
  "network",
] satisfies ClusterStreamEvent["event"][]);

export interface NetworkPoint {
  at: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export interface ClusterLive {
  cluster: Cluster;
  brokers: Broker[];
  watermarks: Watermarks;
  /** Points received since the stream opened, per broker, oldest first. */
  points: Map<number, NetworkPoint[]>;
  /** Bumped by each `brokers` event and each change of an operation that moves partitions. */
  changes: number;
}

/** The state after one event of the cluster stream; unknown events leave it as it is. */
export function applyClusterEvent(
  state: ClusterLive | undefined,
  event: StreamEvent,
): ClusterLive | undefined {
  if (!CLUSTER_EVENTS.has(event.event)) return state;
  const typed = typedEvent<ClusterStreamEvent>(event);
  switch (typed.event) {
    case "snapshot": {
      const { cluster, brokers, watermarks } = typed.data;
      return { cluster, brokers, watermarks, points: new Map(), changes: (state?.changes ?? 0) + 1 };
    }
    case "cluster":
      return state && { ...state, cluster: typed.data };
    case "brokers":
      if (!state) return state;
      return { ...state, brokers: typed.data.items, changes: state.changes + 1 };
    case "watermarks":
      return state && { ...state, watermarks: typed.data };
    case "operation":
      return state && MOVES_PARTITIONS.has(typed.data.type)
        ? { ...state, changes: state.changes + 1 }
        : state;
    case "network": {
      if (!state) return state;
      const { at, items } = typed.data;
      const byId = new Map(items.map((s) => [s.brokerId, s]));
      const points = new Map(state.points);
      for (const s of items) {
        const next = [
          ...(points.get(s.brokerId) ?? []),
          { at, bytesInPerSec: s.bytesInPerSec, bytesOutPerSec: s.bytesOutPerSec },
        ];
        points.set(s.brokerId, next.slice(-MAX_POINTS));
      }
      const brokers = state.brokers.map((b) => {
        const s = byId.get(b.brokerId);
        return s
          ? {
              ...b,
              leaseUntil: s.leaseUntil,
              load: { bytesInPerSec: s.bytesInPerSec, bytesOutPerSec: s.bytesOutPerSec },
            }
          : b;
      });
      return { ...state, brokers, points };
    }
    default:
      return state;
  }
}

/** Whether any live point carries traffic (a stream of idle brokers draws no chart: the empty state says why). */
export function hasTraffic(points: ReadonlyMap<number, readonly NetworkPoint[]> | undefined): boolean {
  return [...(points?.values() ?? [])].some((list) =>
    list.some((p) => p.bytesInPerSec + p.bytesOutPerSec > 0),
  );
}

/**
 * A broker's history (the metrics series, 10 s buckets) followed by the live points newer than its last
 * bucket, so the chart moves with the stream and a reconnect does not draw a point twice.
 */
export function withLivePoints<P extends { at: number }>(
  history: readonly P[],
  live: readonly P[] | undefined,
): P[] {
  const last = history.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  return [...history, ...(live ?? []).filter((p) => p.at > last)];
}

/**
 * Per broker, two series: network in (solid) and out (dashed): the metrics history, then the points the live
 * stream brought since (a broker the history does not have yet starts with them).
 */
export function seriesOf(
  metrics: MetricsView,
  live?: ReadonlyMap<number, readonly NetworkPoint[]>,
): ChartSeries[] {
  const ids = [...new Set([...metrics.brokers.map((b) => b.brokerId), ...(live?.keys() ?? [])])].sort(
    (a, b) => a - b,
  );
  return ids.flatMap((brokerId) => {
    const history = metrics.brokers.find((b) => b.brokerId === brokerId)?.points ?? [];
    const points = withLivePoints(history, live?.get(brokerId));
    return [
      { label: `broker ${brokerId} in`, points: points.map((p) => ({ at: p.at, value: p.bytesInPerSec })) },
      {
        label: `broker ${brokerId} out`,
        dashed: true,
        points: points.map((p) => ({ at: p.at, value: p.bytesOutPerSec })),
      },
    ];
  });
}

/** The scaling watermarks as lines on the chart (bytes/s per broker; a percent one says its percent). */
export function watermarkLines(w: Watermarks): ChartLine[] {
  const label = (what: string, percent: number | undefined) =>
    percent === undefined ? what : `${what} (${percent}% of ${formatRate(w.capacityBytesPerSec)})`;
  return [
    { label: label("scale out", w.highPercent), value: w.highBytesPerSec },
    { label: label("scale in", w.lowPercent), value: w.lowBytesPerSec },
  ].filter((l) => Number.isFinite(l.value));
}
