import { useEffect, useRef } from "react";
import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { Broker } from "../api/types.ts";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { formatRate } from "../format.ts";
import type { ClusterLiveView } from "../use-cluster-live.ts";
import { usePolled } from "../use-polled.ts";
import { buildMap, trafficMoved } from "./broker-map.ts";

/** A tile's side in px: area grows with load, between a readable minimum and a cap. */
function tileSize(bytesPerSec: number, busiest: number): number {
  if (busiest <= 0) return 14;
  return Math.round(14 + 46 * Math.sqrt(bytesPerSec / busiest));
}

/**
 * The brokers come from the cluster page's live stream; the partitions and their load are loaded again when the
 * stream says partitions may have moved (a broker or operation change) or the brokers' traffic moved, and polled
 * only while the stream is down.
 */
export function BrokerMapTab({ clusterId, live }: { clusterId: string; live: ClusterLiveView }) {
  const path = { path: { id: clusterId } };
  const placement = usePolled(
    async () => {
      const [topics, load] = await Promise.all([
        unwrap(api.GET("/v1/clusters/{id}/topics", { params: path })),
        unwrap(api.GET("/v1/clusters/{id}/partitions/load", { params: path })),
      ]);
      return { topics: topics.items, load: load.items };
    },
    live.polling ? 5000 : 0,
    [clusterId],
  );
  const loadedFor = useRef<{ changes: number; brokers: readonly Broker[] } | undefined>(undefined);
  const changes = live.stream?.changes ?? 0;
  const brokers = live.brokers.data;
  const { reload } = placement;
  useEffect(() => {
    if (brokers === undefined) return;
    const last = loadedFor.current;
    loadedFor.current = { changes, brokers };
    // The first brokers came with the first load; afterwards, load again only for a change that matters.
    if (last === undefined) return;
    if (last.changes !== changes || trafficMoved(last.brokers, brokers)) reload();
    else loadedFor.current = last;
  }, [changes, brokers, reload]);
  const map = {
    data:
      brokers && placement.data ? buildMap(brokers, placement.data.topics, placement.data.load) : undefined,
    error: live.brokers.error ?? placement.error,
    loading: live.brokers.loading || placement.loading,
    reload: () => {
      live.brokers.reload();
      placement.reload();
    },
  };
  return (
    <LoadState
      {...map}
      isEmpty={(columns) => columns.every((c) => c.tiles.length === 0)}
      empty={
        <p>No partition yet: create a topic (Topics tab) and its partitions appear under their leaders.</p>
      }
    >
      {(columns) => {
        const busiest = Math.max(0, ...columns.flatMap((c) => c.tiles.map((t) => t.bytesPerSec)));
        const most = Math.max(1, ...columns.map((c) => c.tiles.length));
        return (
          <div className="map">
            <p className="muted">
              Each square is a partition under the broker that leads it; its area grows with its traffic (60 s
              average of bytes in and out). Uneven columns mean uneven brokers: preview a rebalance.
            </p>
            <div className="map-columns">
              {columns.map((c) => (
                <section key={c.brokerId} className="map-column" aria-label={`Broker ${c.brokerId}`}>
                  <h3>
                    {c.brokerId < 0 ? "No leader" : `Broker ${c.brokerId}`}{" "}
                    {c.broker && <Status state={c.broker.state} />}
                  </h3>
                  <p className="muted small">
                    {c.tiles.length} partitions · {formatRate(c.bytesPerSec)}
                  </p>
                  <div className="bar" aria-hidden="true">
                    <span style={{ width: `${(100 * c.tiles.length) / most}%` }} />
                  </div>
                  <ul className="tiles">
                    {c.tiles.map((t) => {
                      const side = tileSize(t.bytesPerSec, busiest);
                      return (
                        <li
                          key={`${t.topic}/${t.partition}`}
                          title={`${t.topic}-${t.partition}: ${formatRate(t.bytesPerSec)}`}
                          style={{ width: side, height: side }}
                        >
                          <span className="visually-hidden">
                            {t.topic}-{t.partition}: {formatRate(t.bytesPerSec)}
                          </span>
                        </li>
                      );
                    })}
                  </ul>
                </section>
              ))}
            </div>
          </div>
        );
      }}
    </LoadState>
  );
}
