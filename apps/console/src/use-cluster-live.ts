import { api } from "./api/client.ts";
import { unwrap } from "./api/problem.ts";
import type { Broker, Cluster } from "./api/types.ts";
import { applyClusterEvent, type ClusterLive } from "./pages/cluster-live.ts";
import { useLive } from "./use-live.ts";
import { type Polled, usePolled } from "./use-polled.ts";

/** How often the cluster and its brokers are polled while the cluster's stream is down. */
const FALLBACK_POLL_MS = 2_000;

export interface ClusterLiveView {
  /** The cluster: from the stream, or polled while it is down. */
  cluster: Polled<Cluster>;
  /** Its brokers: from the stream, or polled while it is down. */
  brokers: Polled<Broker[]>;
  /** The stream's state (watermarks, live network points, change count); the last one while it is down. */
  stream: ClusterLive | undefined;
  /** The stream is open. */
  live: boolean;
  /** The stream failed and the cluster and brokers are polled until it opens again. */
  polling: boolean;
  /** Why the stream failed, while it is down (e.g. 429: the token holds too many streams). */
  streamError: string | undefined;
}

/** What the stream shows, or while it is down what polling shows (the stream's last data until polling has some). */
export function streamOrPolled<T>(
  fromStream: T | undefined,
  stream: Polled<unknown>,
  polled: Polled<T>,
  polling: boolean,
): Polled<T> {
  if (polling && polled.data !== undefined) return { ...polled, error: undefined };
  return {
    data: fromStream,
    // The stream's failure shows only when there is nothing to show instead.
    error:
      polling && polled.error !== undefined
        ? polled.error
        : fromStream !== undefined
          ? undefined
          : stream.error,
    loading: stream.loading || (polling && polled.loading),
    reload: polling ? polled.reload : stream.reload,
  };
}

/**
 * A cluster kept live by GET /v1/clusters/{id}/events (the cluster, its brokers, their network, watermarks,
 * operations): one stream for the cluster's pages. While the stream is down (it is reopened every 2 s), the
 * cluster and its brokers are polled instead, so the page stays current.
 */
export function useClusterLive(clusterId: string): ClusterLiveView {
  const path = { path: { id: clusterId } };
  const stream = useLive(
    (signal) =>
      unwrap(api.GET("/v1/clusters/{id}/events", { params: path, parseAs: "stream", signal })) as Promise<
        ReadableStream<Uint8Array>
      >,
    applyClusterEvent,
    [clusterId],
  );
  const polling = !stream.live && stream.error !== undefined;
  const polledCluster = usePolled(
    () => unwrap(api.GET("/v1/clusters/{id}", { params: path })),
    FALLBACK_POLL_MS,
    [clusterId],
    polling,
  );
  const polledBrokers = usePolled(
    async () => (await unwrap(api.GET("/v1/clusters/{id}/brokers", { params: path }))).items,
    FALLBACK_POLL_MS,
    [clusterId],
    polling,
  );
  return {
    cluster: streamOrPolled(stream.data?.cluster, stream, polledCluster, polling),
    brokers: streamOrPolled(stream.data?.brokers, stream, polledBrokers, polling),
    stream: stream.data,
    live: stream.live,
    polling,
    streamError: stream.live ? undefined : stream.error,
  };
}
