// The brokers' own Prometheus metrics, scraped from the metricsUrl the control plane lists for each of them.
import type { StartedCluster } from "./cluster.ts";

/** The metrics text of each broker of the cluster that has a metrics endpoint, in broker id order. */
export async function brokerMetricsTexts(cluster: StartedCluster): Promise<string[]> {
  const brokers = await cluster.api<{ items: { metricsUrl: string | null }[] }>(
    "GET",
    `/v1/clusters/${cluster.clusterId}/brokers`,
  );
  const texts: string[] = [];
  for (const { metricsUrl } of brokers.body.items) {
    if (!metricsUrl) continue;
    texts.push(await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text());
  }
  return texts;
}

/** cirrus_broker_requests_total of one Kafka API (its name, as "Metadata"), summed over the cluster's brokers. */
export async function kafkaRequestsServed(cluster: StartedCluster, api: string): Promise<number> {
  // The registry's default labels (cluster, broker) come first.
  const series = new RegExp(`^cirrus_broker_requests_total\\{[^}]*\\bapi="${api}"[^}]*\\} (\\S+)$`, "m");
  let total = 0;
  for (const text of await brokerMetricsTexts(cluster)) total += Number(series.exec(text)?.[1] ?? 0);
  return total;
}
