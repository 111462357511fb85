import { api } from "./api/client.ts";
import { unwrap } from "./api/problem.ts";
import type { Broker } from "./api/types.ts";
import { applyClusterEvent, type ClusterLive } from "./pages/cluster-live.ts";
import { useLive } from "./use-live.ts";
import { type Polled, usePolled } from "./use-polled.ts";

/** How often the brokers are polled while the cluster's stream is down. */
const FALLBACK_POLL_MS = 2_000;

export interface ClusterLiveView {
  /** The brokers: from the stream, or polled while it is down. */
  brokers: Polled<Broker[]>;
  /** The stream's state (watermarks, live network points, change count); the last one while it is down. */
  stream: ClusterLive | undefined;
  /** The stream is open. */
  live: boolean;
  /** The stream failed and the brokers are polled until it opens again. */
  polling: boolean;
}

/**
 * A cluster kept live by GET /v1/clusters/{id}/events (brokers, their network, watermarks, operations). While
 * the stream is down (it is reopened every 2 s), the brokers are polled instead, so the page stays current.
 */
export function useClusterLive(clusterId: string): ClusterLiveView {
  const stream = useLive(
    (signal) =>
      unwrap(
        api.GET("/v1/clusters/{id}/events", {
          params: { path: { id: clusterId } },
          parseAs: "stream",
          signal,
        }),
      ) as Promise<ReadableStream<Uint8Array>>,
    applyClusterEvent,
    [clusterId],
  );
  const polling = !stream.live && stream.error !== undefined;
  const polled = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/brokers", { params: { path: { id: clusterId } } }))).items,
    FALLBACK_POLL_MS,
    [clusterId],
    polling,
  );
  const brokers: Polled<Broker[]> =
    polling && polled.data !== undefined
      ? { ...polled, error: undefined }
      : {
          data: stream.data?.brokers,
          // The stream's failure shows only when there is nothing to show instead.
          error:
            polling && polled.error !== undefined ? polled.error : stream.data ? undefined : stream.error,
          loading: stream.loading || (polling && polled.loading),
          reload: polling ? polled.reload : stream.reload,
        };
  return { brokers, stream: stream.data, live: stream.live, polling };
}
