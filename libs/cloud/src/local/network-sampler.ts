import type { NetworkRate } from "../provider.ts";
import type { NetworkCounters } from "./counter-scrape.ts";

interface Sample extends NetworkCounters {
  at: number;
}

const MAX_SAMPLES_PER_INSTANCE = 720;

/**
 * Turns monotonic byte counters into rates. Keeps a bounded history of samples per instance; a rate over
 * a window is (latest - oldest sample inside the window) / elapsed, or from the last sample before the window
 * when only one is inside. A counter that went down (the broker
 * restarted) starts the history again.
 */
export class NetworkSampler {
  readonly #history = new Map<string, Sample[]>();
  readonly #read: (instanceId: string) => Promise<NetworkCounters | undefined>;

  constructor(read: (instanceId: string) => Promise<NetworkCounters | undefined>) {
    this.#read = read;
  }

  async sample(instanceIds: readonly string[], now = Date.now()): Promise<void> {
    await Promise.all(
      instanceIds.map(async (id) => {
        const counters = await this.#read(id).catch(() => undefined);
        if (counters) this.record(id, counters, now);
      }),
    );
  }

  record(instanceId: string, counters: NetworkCounters, at: number): void {
    let samples = this.#history.get(instanceId);
    const last = samples?.at(-1);
    if (!samples || (last && (counters.inBytes < last.inBytes || counters.outBytes < last.outBytes))) {
      samples = [];
      this.#history.set(instanceId, samples);
    }
    samples.push({ ...counters, at });
    if (samples.length > MAX_SAMPLES_PER_INSTANCE) samples.shift();
  }

  rates(instanceIds: readonly string[], windowSeconds: number, now = Date.now()): NetworkRate[] {
    const rates: NetworkRate[] = [];
    for (const id of instanceIds) {
      const history = this.#history.get(id) ?? [];
      const start = now - windowSeconds * 1000;
      const inside = history.filter((s) => s.at >= start);
      // With fewer than two samples inside, the rate starts from the last sample before the window (not
      // older than another window): a caller that samples once per window still gets a rate.
      const before =
        inside.length < 2
          ? history.filter((s) => s.at < start && s.at >= start - windowSeconds * 1000).at(-1)
          : undefined;
      const first = before ?? inside[0];
      const last = inside.at(-1);
      if (!first || !last || last.at <= first.at) continue;
      const seconds = (last.at - first.at) / 1000;
      rates.push({
        instanceId: id,
        inBytesPerSecond: (last.inBytes - first.inBytes) / seconds,
        outBytesPerSecond: (last.outBytes - first.outBytes) / seconds,
        from: new Date(first.at),
        to: new Date(last.at),
      });
    }
    return rates;
  }

  forget(instanceId: string): void {
    this.#history.delete(instanceId);
  }
}
