// Counters and a histogram for the request path. prom-client hashes the label set on every inc()/observe()
// (and allocates doing it), which at ~10,000 produce requests a second was a measurable share of the broker's
// CPU and garbage. Here a label set is resolved once into a cell holding plain numbers; the hot path adds to
// the cell, and prom-client renders the cells only when /metrics is scraped (these objects implement the
// part of its metric interface that a Registry reads).
import type { Registry } from "prom-client";

export type LabelSet = Readonly<Record<string, string>>;

/** One label set's running total. */
export interface CounterCell {
  value: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Rendered {
  name: string;
  help: string;
  type: "counter" | "histogram";
  values: MetricValue[];
  aggregator: "sum";
}

interface HotMetricOptions {
  name: string;
  help: string;
  /** The registry's default labels, put first so the exposition orders labels as prom-client's own metrics do. */
  defaultLabels: LabelSet;
  registry: Registry;
}

function keyOf(labels: LabelSet): string {
  let key = "";
  for (const name of Object.keys(labels).sort()) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

abstract class HotMetric<Cell> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = "sum" as const;
  protected readonly defaultLabels: LabelSet;
  protected readonly cells = new Map<string, { labels: LabelSet; cell: Cell }>();

  constructor(options: HotMetricOptions) {
    this.name = options.name;
    this.help = options.help;
    this.defaultLabels = options.defaultLabels;
    options.registry.registerMetric(this as never);
  }

  /** The cell of a label set (created at zero). Resolve it once and keep it: this is the slow part. */
  cell(labels: LabelSet = {}): Cell {
    const key = keyOf(labels);
    let entry = this.cells.get(key);
    if (entry === undefined) {
      entry = { labels: { ...labels }, cell: this.newCell() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  protected abstract newCell(): Cell;

  /** Called by Registry.resetMetrics(). */
  reset(): void {
    this.cells.clear();
  }

  protected labelsOf(labels: LabelSet): Record<string, string> {
    return { ...this.defaultLabels, ...labels };
  }
}

/** A Prometheus counter: monotonic totals per label set. */
export class HotCounter extends HotMetric<CounterCell> {
  readonly type = "counter" as const;
  readonly unlabelled: boolean;
  #bare: CounterCell | undefined;

  constructor(options: HotMetricOptions & { unlabelled?: boolean }) {
    super(options);
    this.unlabelled = options.unlabelled ?? false;
  }

  protected newCell(): CounterCell {
    return { value: 0 };
  }

  override reset(): void {
    super.reset();
    this.#bare = undefined;
  }

  /** prom-client's calling convention, for cold paths and tests: inc(value) or inc(labels, value). */
  inc(labelsOrValue?: LabelSet | number, value?: number): void {
    if (typeof labelsOrValue === "number" || labelsOrValue === undefined) {
      this.#bare ??= this.cell();
      this.#bare.value += labelsOrValue ?? 1;
    } else {
      this.cell(labelsOrValue).value += value ?? 1;
    }
  }

  get(): Rendered {
    const values: MetricValue[] = [];
    for (const { labels, cell } of this.cells.values()) {
      values.push({ labels: this.labelsOf(labels), value: cell.value });
    }
    // An unlabelled counter is exposed at zero before its first increment, as prom-client does.
    if (this.cells.size === 0 && this.unlabelled)
      values.push({ labels: { ...this.defaultLabels }, value: 0 });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** One label set's histogram: counts per bucket (not cumulative), sum and count. */
export class HistogramCell {
  readonly #bounds: readonly number[];
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

/** A Prometheus histogram with fixed upper bounds (seconds or any unit). */
export class HotHistogram extends HotMetric<HistogramCell> {
  readonly type = "histogram" as const;
  readonly #bounds: readonly number[];

  constructor(options: HotMetricOptions & { buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected newCell(): HistogramCell {
    return new HistogramCell(this.#bounds);
  }

  /** prom-client's calling convention, for cold paths and tests. */
  observe(labels: LabelSet, value: number): void {
    this.cell(labels).observe(value);
  }

  get(): Rendered {
    const values: MetricValue[] = [];
    for (const { labels, cell } of this.cells.values()) {
      const base = this.labelsOf(labels);
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += cell.counts[i]!;
        values.push({
          labels: { ...base, le: this.#bounds[i]! },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: { ...base, le: "+Inf" }, value: cell.count, metricName: `${this.name}_bucket` });
      values.push({ labels: base, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: base, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
