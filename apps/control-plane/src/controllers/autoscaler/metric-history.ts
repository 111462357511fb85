import type { PeriodSample } from "./scaling-decision.ts";

/** Samples kept per cluster: the longest evaluation (60 periods) and a few more. */
const MAX_SAMPLES = 64;

/**
 * The autoscaler's recent metric periods per cluster, in memory. A control plane that restarts (or a new
 * leader) starts with none and so waits a full evaluation before it acts: it never scales on less
 * evidence than the settings ask for. Cooldowns do not live here (they come from the operations table).
 */
export class MetricHistory {
  readonly #samples = new Map<string, PeriodSample[]>();

  /** True when a new period is due: none yet, or the latest is at least `periodMs` old. */
  due(clusterId: string, now: number, periodMs: number): boolean {
    const last = this.#samples.get(clusterId)?.at(-1);
    return !last || now - last.at >= periodMs;
  }

  add(clusterId: string, sample: PeriodSample): void {
    const samples = this.#samples.get(clusterId) ?? [];
    samples.push(sample);
    if (samples.length > MAX_SAMPLES) samples.shift();
    this.#samples.set(clusterId, samples);
  }

  samples(clusterId: string): readonly PeriodSample[] {
    return this.#samples.get(clusterId) ?? [];
  }

  /** After a scaling the broker set changes: decide again only on periods measured after it. */
  reset(clusterId: string): void {
    this.#samples.delete(clusterId);
  }

  /** Forgets clusters no longer evaluated (deleted, stopped). */
  retain(clusterIds: ReadonlySet<string>): void {
    for (const id of this.#samples.keys()) if (!clusterIds.has(id)) this.#samples.delete(id);
  }
}
