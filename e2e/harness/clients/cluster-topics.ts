// What the client tests need from a started cluster beyond cluster.ts: the current bootstrap (brokers get new
// ports when they are replaced), topics created through the control plane's REST API with every partition led,
// and a restart of every broker of the cluster.
import { KafkaClientConnection } from "@cirrus/kafka-protocol/client";
import type { StartedCluster } from "../cluster.ts";
import { waitFor } from "../cluster.ts";

interface PartitionView {
  partition: number;
  leaderBrokerId: number;
}

/** host:port,… of the brokers as of the cluster's last refresh. */
export function bootstrapOf(cluster: StartedCluster): string {
  return cluster.brokers.map((b) => `${b.host}:${b.port}`).join(",");
}

/** A raw Kafka connection to the first of bootstrapOf's brokers, for requests the clients do not expose. */
export function connectToFirstBroker(
  cluster: StartedCluster,
  clientId: string,
): Promise<KafkaClientConnection> {
  const { host, port } = cluster.brokers[0]!;
  return KafkaClientConnection.open(host, port, { clientId, connectTimeoutMs: 5_000 });
}

/** Leader broker id of each partition of `topic` (-1: none), as the control plane assigns them. */
export async function partitionLeaders(cluster: StartedCluster, topic: string): Promise<number[]> {
  const answer = await cluster.api<{ partitions?: PartitionView[] }>(
    "GET",
    `/v1/clusters/${cluster.clusterId}/topics/${topic}`,
  );
  if (answer.status !== 200) throw new Error(`GET topic ${topic}: ${answer.status}`);
  return (answer.body.partitions ?? [])
    .sort((a, b) => a.partition - b.partition)
    .map((p) => p.leaderBrokerId);
}

/** Resolves once every partition of `topic` is led by one of the cluster's live brokers. */
export async function waitForLeaders(
  cluster: StartedCluster,
  topic: string,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    `every partition of ${topic} to have a live leader`,
    async () => {
      const live = new Set((await cluster.refreshBrokers()).map((b) => b.brokerId));
      const leaders = await partitionLeaders(cluster, topic);
      return leaders.length > 0 && leaders.every((l) => live.has(l)) ? true : undefined;
    },
    timeoutMs,
  );
}

/** Creates `topic` through POST /v1/clusters/:id/topics and waits until each partition has a live leader. */
export async function createTopicViaApi(
  cluster: StartedCluster,
  topic: string,
  partitions: number,
): Promise<void> {
  const answer = await cluster.api("POST", `/v1/clusters/${cluster.clusterId}/topics`, {
    name: topic,
    partitions,
  });
  if (answer.status !== 201)
    throw new Error(`create topic ${topic}: ${answer.status} ${JSON.stringify(answer.body)}`);
  await waitForLeaders(cluster, topic);
}

/** Runs `POST /v1/clusters/:id/brokers/:brokerId/drain` and waits for the operation to succeed. */
export async function drainBroker(
  cluster: StartedCluster,
  brokerId: number,
  timeoutMs = 60_000,
): Promise<void> {
  const started = await cluster.api<{ id: string }>(
    "POST",
    `/v1/clusters/${cluster.clusterId}/brokers/${brokerId}/drain`,
  );
  if (started.status !== 202)
    throw new Error(`drain broker ${brokerId}: ${started.status} ${JSON.stringify(started.body)}`);
  await waitFor(
    `drain of broker ${brokerId}`,
    async () => {
      const op = await cluster.api<{ status: string; steps: { error: string | null }[] }>(
        "GET",
        `/v1/operations/${started.body.id}`,
      );
      if (op.body.status === "FAILED") throw new Error(`drain failed: ${JSON.stringify(op.body.steps)}`);
      return op.body.status === "SUCCEEDED" ? true : undefined;
    },
    timeoutMs,
  );
}

export const RestartMode = {
  /** SIGTERM alone: the broker must hand its partitions back itself (issue 4). */
  sigterm: "sigterm",
  /** Drain through the control plane first, then SIGTERM: an operator's rolling restart. */
  drainFirst: "drain-first",
} as const;
export type RestartMode = (typeof RestartMode)[keyof typeof RestartMode];

/**
 * Restarts every broker of the cluster, one after the other (optionally drained first, then SIGTERM; the
 * fleet's replacement serves), and waits until every partition of `topics` has a live leader again.
 * Replacements get new broker ids and ports: read bootstrapOf(cluster) again afterwards.
 */
export async function restartAllBrokers(
  cluster: StartedCluster,
  mode: RestartMode,
  topics: string[],
): Promise<void> {
  const originals = (await cluster.refreshBrokers()).map((b) => b.instanceId);
  for (const instanceId of originals) {
    const broker = cluster.brokers.find((b) => b.instanceId === instanceId);
    if (!broker) throw new Error(`broker ${instanceId} is gone before its restart`);
    if (mode === RestartMode.drainFirst) await drainBroker(cluster, broker.brokerId);
    await cluster.restartBroker(cluster.brokers.indexOf(broker));
    for (const topic of topics) await waitForLeaders(cluster, topic);
  }
}
