// What the Node.js runtime costs the request path: how late the event loop ran (a request arriving during a
// stall waits that long) and the garbage collector's pauses, by kind. Both are where a latency tail comes
// from when the CPU is not saturated, so they sit next to the request histograms. One RuntimeMetrics per
// broker (several brokers can share a test process); close() detaches its observers.
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";
import { type HistogramCell, HotHistogram, type LabelSet } from "./hot-metrics.ts";

/** Event-loop delay is sampled by a timer this often (ms; Node's default): each sample wakes an idle loop. */
const DELAY_RESOLUTION_MS = 10;
const DELAY_QUANTILES = [0.5, 0.99, 1] as const;
const GC_PAUSE_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1];

const GC_KINDS: ReadonlyArray<readonly [number, string]> = [
  [constants.NODE_PERFORMANCE_GC_MINOR, "minor"],
  [constants.NODE_PERFORMANCE_GC_MAJOR, "major"],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, "incremental"],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, "weak_callbacks"],
];

export class RuntimeMetrics {
  readonly #delay: ReturnType<typeof monitorEventLoopDelay>;
  readonly #gc: PerformanceObserver;

  constructor(registry: Registry, defaultLabels: LabelSet) {
    const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    delay.enable();
    this.#delay = delay;
    new Gauge({
      name: "cirrus_broker_event_loop_delay_seconds",
      help: `How late the event loop ran since the previous scrape, by quantile (1 = the longest stall), sampled every ${DELAY_RESOLUTION_MS} ms`,
      labelNames: ["quantile"],
      registers: [registry],
      collect() {
        if (delay.count === 0) return;
        // The histogram holds whole timer intervals: the delay is what exceeds the resolution.
        for (const q of DELAY_QUANTILES) {
          const late = delay.percentile(q * 100) / 1e6 - DELAY_RESOLUTION_MS;
          this.set({ quantile: String(q) }, Math.max(0, late) / 1000);
        }
        delay.reset();
      },
    });
    const pauses = new HotHistogram({
      registry,
      defaultLabels,
      name: "cirrus_broker_gc_pause_seconds",
      help: "Garbage collection pauses of the main thread, by kind (minor = scavenge, major = mark-compact)",
      buckets: GC_PAUSE_BUCKETS,
    });
    const cells = new Map<number, HistogramCell>(
      GC_KINDS.map(([kind, name]) => [kind, pauses.cell({ kind: name })]),
    );
    this.#gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
        if (kind !== undefined) cells.get(kind)?.observe(entry.duration / 1000);
      }
    });
    this.#gc.observe({ entryTypes: ["gc"] });
  }

  close(): void {
    this.#delay.disable();
    this.#gc.disconnect();
  }
}
