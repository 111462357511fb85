// What the autoscaling test and the scale-out benchmark share: the cluster's scaling settings changed through
// PATCH /v1/clusters/{id}, its operations by type, per-broker network rates from GET …/metrics, and a timeline
// sampler (brokers, per-broker in/out, leaders) for the benchmark's chart, and the hot producer both measure
// their watermarks from.
import { type AckedProduction, produceCountingAcks } from "./clients/acked-producer.ts";
import { bootstrapOf } from "./clients/cluster-topics.ts";
import type { StartedCluster } from "./cluster.ts";
import { waitFor } from "./cluster.ts";

export interface OperationItem {
  id: string;
  type: string;
  status: string;
  input: Record<string, unknown>;
  createdAt: number;
  finishedAt: number | null;
  createdBy: string | null;
}

interface ClusterItem {
  version: number;
  spec: { brokers: { min: number; max: number }; scaling: Record<string, unknown> } & Record<string, unknown>;
}

/** The cluster's operations, oldest first, optionally of one type. */
export async function clusterOperations(cluster: StartedCluster, type?: string): Promise<OperationItem[]> {
  const answer = await cluster.api<{ items: OperationItem[] }>(
    "GET",
    `/v1/operations?clusterId=${cluster.clusterId}&limit=500`,
  );
  if (answer.status !== 200) throw new Error(`GET operations: ${answer.status}`);
  return answer.body.items
    .filter((op) => !type || op.type === type)
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** Resolves with the operation once it SUCCEEDED; rejects at once if it FAILED. */
export async function operationDone(
  cluster: StartedCluster,
  id: string,
  timeoutMs = 60_000,
): Promise<OperationItem> {
  return waitFor(
    `operation ${id}`,
    async () => {
      const answer = await cluster.api<OperationItem>("GET", `/v1/operations/${id}`);
      if (answer.body.status === "FAILED")
        throw new Error(`operation ${id} failed: ${JSON.stringify(answer.body)}`);
      return answer.body.status === "SUCCEEDED" ? answer.body : undefined;
    },
    timeoutMs,
  );
}

/** Changes the broker bounds and scaling settings of the cluster's spec and waits for the update to finish. */
export async function setScaling(
  cluster: StartedCluster,
  brokers: { min: number; max: number },
  scaling: Record<string, unknown>,
): Promise<void> {
  const current = await cluster.api<ClusterItem>("GET", `/v1/clusters/${cluster.clusterId}`);
  const spec = { ...current.body.spec, brokers, scaling };
  const answer = await cluster.api<{ operation?: { id: string } }>(
    "PATCH",
    `/v1/clusters/${cluster.clusterId}`,
    {
      version: current.body.version,
      spec,
    },
  );
  if (answer.status !== 200 && answer.status !== 202)
    throw new Error(`PATCH cluster: ${answer.status} ${JSON.stringify(answer.body)}`);
  if (answer.body.operation) await operationDone(cluster, answer.body.operation.id);
  await waitFor(
    "the cluster to be RUNNING again",
    async () =>
      (await cluster.api<{ state: string }>("GET", `/v1/clusters/${cluster.clusterId}`)).body.state ===
      "RUNNING"
        ? true
        : undefined,
    60_000,
  );
}

export interface BrokerRate {
  brokerId: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

/** Each broker's average in/out over the last `windowMs`, from its heartbeats (GET …/metrics). */
export async function brokerRates(cluster: StartedCluster, windowMs: number): Promise<BrokerRate[]> {
  const to = Date.now();
  const answer = await cluster.api<{
    brokers: { brokerId: number; points: { bytesInPerSec: number; bytesOutPerSec: number }[] }[];
  }>("GET", `/v1/clusters/${cluster.clusterId}/metrics?from=${to - windowMs}&to=${to}&stepSeconds=1`);
  if (answer.status !== 200) throw new Error(`GET metrics: ${answer.status}`);
  return answer.body.brokers
    .filter((b) => b.points.length > 0)
    .map((b) => ({
      brokerId: b.brokerId,
      bytesInPerSec: b.points.reduce((s, p) => s + p.bytesInPerSec, 0) / b.points.length,
      bytesOutPerSec: b.points.reduce((s, p) => s + p.bytesOutPerSec, 0) / b.points.length,
    }));
}

/** Spread of a set of rates: max/mean - 1 and 1 - min/mean (0 when perfectly even). */
export function spreadOf(values: readonly number[]): { above: number; below: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (!(mean > 0)) return { above: 0, below: 0 };
  return { above: Math.max(...values) / mean - 1, below: 1 - Math.min(...values) / mean };
}

export interface HotProducer {
  /** The producer's run: resolves once stopped (or at its timeout) with what was acknowledged. */
  run: Promise<AckedProduction>;
  /** Stops producing; `run` resolves after the send in flight. */
  stop(): void;
  /** In + out bytes/s the cluster's one broker takes from it. */
  measuredBytesPerSec: number;
}

/**
 * Produces to `topic` as fast as one broker takes it (idempotent, batches of 200) and measures that load: in + out
 * from the broker's heartbeats over 3 s, once the producer is past its start (2 000 acks, then 3 s). Rejects, with
 * the producer stopped, when it does not get going within 60 s or reaches too little to tell load from idle.
 */
export async function startHotProducer(
  cluster: StartedCluster,
  topic: string,
  timeoutMs: number,
): Promise<HotProducer> {
  let hot = true;
  let ackedSoFar = 0;
  const stop = () => {
    hot = false;
  };
  const run = produceCountingAcks({
    bootstrap: bootstrapOf(cluster),
    topic,
    batch: 200,
    timeoutMs,
    keepGoing: (acked) => {
      ackedSoFar = acked;
      return hot;
    },
  });
  try {
    await waitFor("the producer to get going", async () => (ackedSoFar >= 2_000 ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const [rate] = await brokerRates(cluster, 3_000);
    const measured = (rate?.bytesInPerSec ?? 0) + (rate?.bytesOutPerSec ?? 0);
    if (!(measured > 20_000))
      throw new Error(
        `the producer reaches ${measured} B/s on one broker: too little to tell load from idle`,
      );
    return { run, stop, measuredBytesPerSec: measured };
  } catch (error) {
    stop();
    await run.catch(() => undefined);
    throw error;
  }
}
