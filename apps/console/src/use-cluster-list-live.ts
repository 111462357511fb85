import { api } from "./api/client.ts";
import { unwrap } from "./api/problem.ts";
import type { ClusterListItem } from "./api/types.ts";
import { applyClusterListEvent } from "./pages/cluster-list-live.ts";
import { streamOrPolled } from "./use-cluster-live.ts";
import { useLive } from "./use-live.ts";
import type { Polled } from "./use-polled.ts";
import { usePolled } from "./use-polled.ts";

/** How often the list is polled while its stream is down. */
const FALLBACK_POLL_MS = 3_000;

export interface ClusterListView {
  /** Every cluster with its broker count and traffic: from the stream, or polled while it is down. */
  list: Polled<ClusterListItem[]>;
  live: boolean;
  /** The stream failed and the list is polled until it opens again. */
  polling: boolean;
  /** Why the stream failed, while it is down (e.g. 429: the token holds too many streams). */
  streamError: string | undefined;
}

/** What the stream gives, read the old way: the clusters, then each one's brokers (summed as the server sums them). */
async function pollList(): Promise<ClusterListItem[]> {
  const clusters = (await unwrap(api.GET("/v1/clusters", { params: { query: { limit: 500 } } }))).items;
  return Promise.all(
    clusters.map(async (cluster) => {
      const brokers = (
        await unwrap(api.GET("/v1/clusters/{id}/brokers", { params: { path: { id: cluster.id } } }))
      ).items;
      return {
        cluster,
        brokers: {
          count: brokers.length,
          bytesInPerSec: brokers.reduce((sum, b) => sum + b.load.bytesInPerSec, 0),
          bytesOutPerSec: brokers.reduce((sum, b) => sum + b.load.bytesOutPerSec, 0),
        },
      };
    }),
  );
}

/**
 * The clusters list kept live by GET /v1/clusters/events (created, changed, deleted clusters, broker counts and
 * traffic), no polling; while the stream is down (it is reopened every 2 s) the list is polled instead.
 */
export function useClusterListLive(): ClusterListView {
  const stream = useLive(
    (signal) =>
      unwrap(api.GET("/v1/clusters/events", { parseAs: "stream", signal })) as Promise<
        ReadableStream<Uint8Array>
      >,
    applyClusterListEvent,
    [],
  );
  const polling = !stream.live && stream.error !== undefined;
  const polled = usePolled(pollList, FALLBACK_POLL_MS, [], polling);
  return {
    list: streamOrPolled(stream.data, stream, polled, polling),
    live: stream.live,
    polling,
    streamError: stream.live ? undefined : stream.error,
  };
}
