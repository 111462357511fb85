import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { Broker, Cluster } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { CopyText } from "../components/copy-text.tsx";
import { DataTable } from "../components/data-table.tsx";
import { LineChart } from "../components/line-chart.tsx";
import { LiveStatus } from "../components/live-status.tsx";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { formatRate, formatRelative } from "../format.ts";
import type { ClusterLiveView } from "../use-cluster-live.ts";
import { usePolled } from "../use-polled.ts";
import { hasTraffic, seriesOf, watermarkLines } from "./cluster-live.ts";

const CHART_WINDOW_MS = 15 * 60_000;

function BrokersTable({ clusterId, brokers }: { clusterId: string; brokers: Broker[] }) {
  return (
    <DataTable
      caption="Brokers"
      columns={[
        "Broker",
        "State",
        "Zone",
        "Capacity",
        "Instance type",
        "Lease",
        { label: "Partitions led", numeric: true },
        { label: "Network in", numeric: true },
        { label: "Network out", numeric: true },
      ]}
      actions
    >
      {brokers.map((b) => (
        <tr key={b.brokerId}>
          <th scope="row">
            {b.brokerId}
            <div className="muted small">
              {b.host}:{b.port}
            </div>
          </th>
          <td>
            <Status state={b.state} />
          </td>
          <td className="nowrap">{b.zone}</td>
          <td className="nowrap">{b.spot ? "spot" : "on-demand"}</td>
          <td className="nowrap">{b.instanceType ?? <span className="muted">not known yet</span>}</td>
          <td>
            {b.state === "ACTIVE"
              ? `renews, ends ${formatRelative(b.leaseUntil)}`
              : formatRelative(b.leaseUntil)}
          </td>
          <td className="num">{b.partitions}</td>
          <td className="num">{formatRate(b.load.bytesInPerSec)}</td>
          <td className="num">{formatRate(b.load.bytesOutPerSec)}</td>
          <td>
            {b.spot && (
              <ConfirmButton
                label="Simulate spot reclaim"
                title={`Reclaim broker ${b.brokerId}'s instance?`}
                body="The provider sends a spot interruption notice now and kills the instance after 10 seconds. The control plane drains the broker, then fails it over; watch it under Operations."
                confirmLabel="Reclaim"
                disabled={b.state !== "ACTIVE"}
                action={() =>
                  unwrap(
                    api.POST("/v1/clusters/{id}/brokers/{brokerId}/spot-reclaim", {
                      params: { path: { id: clusterId, brokerId: b.brokerId } },
                      body: { noticeSeconds: 10 },
                    }),
                  )
                }
              />
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** The overview; `live` is the cluster page's stream (see use-cluster-live.ts). */
export function OverviewTab({ cluster, live }: { cluster: Cluster; live: ClusterLiveView }) {
  const path = { path: { id: cluster.id } };
  const { brokers } = live;
  // The history once while the stream brings the new points; polled while it is down.
  const metrics = usePolled(
    () =>
      unwrap(
        api.GET("/v1/clusters/{id}/metrics", {
          params: { ...path, query: { from: Date.now() - CHART_WINDOW_MS, stepSeconds: 10 } },
        }),
      ),
    live.polling ? 5000 : 0,
    [cluster.id],
  );
  const { scaling } = cluster.spec;
  return (
    <div className="stack">
      <div className="card">
        <h2>Connect</h2>
        {cluster.bootstrap ? (
          <CopyText label="Bootstrap servers" text={cluster.bootstrap} />
        ) : (
          <p className="muted">The bootstrap address appears once brokers run.</p>
        )}
        <dl className="facts">
          <dt>Provider</dt>
          <dd>
            {cluster.spec.provider} · {cluster.spec.region} · {cluster.spec.zones.join(", ")}
          </dd>
          <dt>Brokers</dt>
          <dd>
            {cluster.spec.brokers.min} to {cluster.spec.brokers.max}
          </dd>
          <dt>Scaling</dt>
          <dd>
            out above {watermarkText(scaling.highWatermarkBytesPerSec, scaling.highWatermarkPercent)}, in
            below {watermarkText(scaling.lowWatermarkBytesPerSec, scaling.lowWatermarkPercent)} per broker
          </dd>
          {cluster.conditions.map((c) => (
            <div key={c.type} className="fact-row">
              <dt>{c.type}</dt>
              <dd>
                {c.status} — {c.message || c.reason}
              </dd>
            </div>
          ))}
        </dl>
      </div>
      <div className="card">
        <div className="card-head">
          <h2>Brokers</h2>
          <LiveStatus {...live} pollSeconds={2} />
        </div>
        <LoadState
          {...brokers}
          isEmpty={(list) => list.length === 0}
          empty={
            <p>
              No broker has registered yet. A new cluster's brokers register within seconds of starting; if
              none comes, see the provisioning operation under Operations.
            </p>
          }
        >
          {(list) => <BrokersTable clusterId={cluster.id} brokers={list} />}
        </LoadState>
      </div>
      <div className="card">
        <h2>Network in and out per broker</h2>
        <LoadState
          {...metrics}
          isEmpty={(m) => m.brokers.every((b) => b.points.length === 0) && !hasTraffic(live.stream?.points)}
          empty={<p>No traffic reported in the last 15 minutes. Produce to a topic and it shows here.</p>}
        >
          {(m) => (
            <LineChart
              title="Network bytes per second per broker, last 15 minutes"
              series={seriesOf(m, live.stream?.points)}
              lines={watermarkLines(live.stream?.watermarks ?? m.watermarks)}
            />
          )}
        </LoadState>
      </div>
    </div>
  );
}

/** A watermark as the spec gives it: bytes/s, or a percent of each broker's network capacity. */
function watermarkText(bytesPerSec: number | undefined, percent: number | undefined): string {
  return percent !== undefined ? `${percent}% of capacity` : formatRate(bytesPerSec ?? 0);
}
