// Shared pieces of the partition-move benchmarks (not a benchmark itself: run-all only runs *.bench.ts):
// moves through the public API, and a steady idempotent producer that timestamps every acknowledgement.
import { Producer, stringSerializers } from "@platformatic/kafka";
import { brokerMetricsTexts } from "../harness/broker-metrics.ts";
import type { StartedCluster } from "../harness/cluster.ts";
import { waitFor } from "../harness/cluster.ts";

/** The client's pause before it retries a failed send (Kafka's retry.backoff.ms is 100 ms by default). */
export const CLIENT_RETRY_DELAY_MS = 20;
/**
 * @platformatic/kafka 2.x retries NOT_LEADER_OR_FOLLOWER against the broker it has cached and refreshes
 * metadata only when its cache is older than metadataMaxAge (5 s by default), unlike the Java client and
 * librdkafka, which refresh on that error. Left at 5 s, every window measures that age, not the system.
 */
export const CLIENT_METADATA_MAX_AGE_MS = 50;

interface OperationAnswer {
  id: string;
  status: string;
  error: { message: string } | null;
}

/** Waits for an operation to succeed; throws with its error if it failed. */
export async function operationSucceeded(
  cluster: StartedCluster,
  id: string,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    `operation ${id}`,
    async () => {
      const op = await cluster.api<OperationAnswer>("GET", `/v1/operations/${id}`);
      if (op.body.status === "FAILED") throw new Error(`operation ${id} failed: ${op.body.error?.message}`);
      return op.body.status === "SUCCEEDED" ? true : undefined;
    },
    timeoutMs,
  ).catch((error: unknown) => {
    throw error;
  });
}

/** POST /v1/clusters/:id/partitions/moves for one partition; resolves with the operation id. */
export async function requestMove(
  cluster: StartedCluster,
  topic: string,
  partition: number,
  to: number,
): Promise<string> {
  const answer = await cluster.api<OperationAnswer>(
    "POST",
    `/v1/clusters/${cluster.clusterId}/partitions/moves`,
    {
      moves: [{ topic, partition, to }],
    },
  );
  if (answer.status !== 202)
    throw new Error(`move ${topic}-${partition} → ${to}: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

export interface TimedSend {
  /** When send() was called and when it resolved, performance.now() ms. */
  sentAt: number;
  ackedAt: number;
  partition: number;
}

/**
 * An idempotent producer (acks=all) that sends one record at a time to each of `partitions` (one send in
 * flight per partition) until stop(); every acknowledged send is recorded with its timestamps.
 */
export class SteadyProducer {
  readonly sends: TimedSend[] = [];
  /** Sends that failed after the client's own retries (the loop goes on with the next record). */
  failed = 0;
  readonly errors: string[] = [];
  readonly #producer: Producer<string, string, string, string>;
  readonly #loops: Promise<void>[];
  #stopped = false;

  constructor(bootstrap: string, topic: string, partitions: readonly number[]) {
    this.#producer = new Producer({
      clientId: "cirrus-bench-partition-move",
      bootstrapBrokers: bootstrap.split(","),
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
      retries: 200,
      retryDelay: CLIENT_RETRY_DELAY_MS,
      metadataMaxAge: CLIENT_METADATA_MAX_AGE_MS,
    });
    this.#loops = partitions.map((p) => this.#run(topic, p));
  }

  async #run(topic: string, partition: number): Promise<void> {
    let n = 0;
    while (!this.#stopped) {
      const sentAt = performance.now();
      try {
        await this.#producer.send({
          messages: [{ topic, partition, key: `k${partition}`, value: String(n++) }],
        });
        this.sends.push({ sentAt, ackedAt: performance.now(), partition });
      } catch (error) {
        this.failed++;
        if (this.errors.length < 5) this.errors.push(String(error).slice(0, 300));
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    await this.#producer.close();
  }
}

/**
 * The write-unavailable window of a partition around a move: the longest gap between two consecutive
 * acknowledgements of that partition in [from, to] (the last ack from the old leader and the first from the
 * new one, since nothing is acked in between), with its ends (performance.now() ms).
 */
export function longestAckGapSpan(
  sends: readonly TimedSend[],
  partition: number,
  from: number,
  to: number,
): { gapMs: number; lastBefore: number; firstAfter: number } {
  let previous: number | undefined;
  let span = { gapMs: 0, lastBefore: from, firstAfter: from };
  for (const s of sends) {
    if (s.partition !== partition || s.ackedAt < from) continue;
    if (previous !== undefined && s.ackedAt - previous > span.gapMs)
      span = { gapMs: s.ackedAt - previous, lastBefore: previous, firstAfter: s.ackedAt };
    previous = s.ackedAt;
    if (s.ackedAt > to) break;
  }
  return span;
}

const HANDOFF_SERIES =
  /^cirrus_broker_partition_handoff_seconds_(sum|count)\{[^}]*step="([a-z_]+)"[^}]*\} (\S+)$/;

/** Per hand-off step: seconds spent so far and how many times it ran, summed over the cluster's brokers. */
export interface HandoffTotals {
  readonly seconds: Map<string, number>;
  readonly count: Map<string, number>;
}

/**
 * cirrus_broker_partition_handoff_seconds per step, summed over the cluster's brokers, scraped from their
 * metricsUrl. Two readings around one move give that move's steps (each runs on one broker: close_* on the
 * source, open_* on the target); around a drain, each step's total and count.
 */
export async function handoffTotals(cluster: StartedCluster): Promise<HandoffTotals> {
  const totals: HandoffTotals = { seconds: new Map(), count: new Map() };
  for (const text of await brokerMetricsTexts(cluster)) {
    for (const line of text.split("\n")) {
      const match = HANDOFF_SERIES.exec(line);
      if (!match) continue;
      const into = match[1] === "sum" ? totals.seconds : totals.count;
      into.set(match[2]!, (into.get(match[2]!) ?? 0) + Number(match[3]));
    }
  }
  return totals;
}

/** What each step took between two readings of handoffTotals, in ms (one move: that move's steps). */
export function handoffStepsBetween(before: HandoffTotals, after: HandoffTotals): Map<string, number> {
  const steps = new Map<string, number>();
  for (const [step, seconds] of after.seconds)
    steps.set(step, (seconds - (before.seconds.get(step) ?? 0)) * 1000);
  return steps;
}

/** Each step's mean between two readings (ms per run of the step: a drain's per-partition cost). */
export function handoffMeansBetween(before: HandoffTotals, after: HandoffTotals): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [step, ms] of handoffStepsBetween(before, after)) {
    const runs = (after.count.get(step) ?? 0) - (before.count.get(step) ?? 0);
    if (runs > 0) means[step] = Math.round((ms / runs) * 10) / 10;
  }
  return means;
}

/** A line of the control plane's request counter or of its request-duration sum: which, labels, value. */
const CONTROL_PLANE_REQUESTS =
  /^cirrus_control_plane_http_request(s_total|_duration_seconds_sum)\{([^}]*)\} (\S+)$/;

/** What the control plane has answered so far, by route template: requests, and ms spent answering them. */
export interface ControlPlaneRequestTotals {
  count: Map<string, number>;
  ms: Map<string, number>;
}

/** Reads the control plane's request counters (GET /metrics with the admin token), all methods and statuses. */
export async function controlPlaneRequests(cluster: StartedCluster): Promise<ControlPlaneRequestTotals> {
  const response = await fetch(`${cluster.apiUrl}/metrics`, {
    headers: { authorization: `Bearer ${cluster.token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const totals: ControlPlaneRequestTotals = { count: new Map(), ms: new Map() };
  for (const line of (await response.text()).split("\n")) {
    const match = CONTROL_PLANE_REQUESTS.exec(line);
    if (!match) continue;
    const route = /route="([^"]*)"/.exec(match[2]!)?.[1] ?? "?";
    const [into, scale] = match[1] === "s_total" ? [totals.count, 1] : [totals.ms, 1000];
    into.set(route, (into.get(route) ?? 0) + Number(match[3]) * scale);
  }
  return totals;
}

/** Per route, the increase between two readings (routes without any left out). */
export function requestsBetween(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [route, n] of after) {
    const d = n - (before.get(route) ?? 0);
    if (d > 0) counts.set(route, d);
  }
  return counts;
}
