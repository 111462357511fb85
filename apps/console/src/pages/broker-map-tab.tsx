import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { formatRate } from "../format.ts";
import { usePolled } from "../use-polled.ts";
import { buildMap } from "./broker-map.ts";

/** A tile's side in px: area grows with load, between a readable minimum and a cap. */
function tileSize(bytesPerSec: number, busiest: number): number {
  if (busiest <= 0) return 14;
  return Math.round(14 + 46 * Math.sqrt(bytesPerSec / busiest));
}

export function BrokerMapTab({ clusterId }: { clusterId: string }) {
  const path = { path: { id: clusterId } };
  const map = usePolled(
    async () => {
      const [brokers, topics, load] = await Promise.all([
        unwrap(api.GET("/v1/clusters/{id}/brokers", { params: path })),
        unwrap(api.GET("/v1/clusters/{id}/topics", { params: path })),
        unwrap(api.GET("/v1/clusters/{id}/partitions/load", { params: path })),
      ]);
      return buildMap(brokers.items, topics.items, load.items);
    },
    5000,
    [clusterId],
  );
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
