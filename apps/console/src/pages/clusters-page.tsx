import { useState } from "react";
import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { Cluster } from "../api/types.ts";
import { DataTable } from "../components/data-table.tsx";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { formatRate, formatRelative } from "../format.ts";
import { usePolled } from "../use-polled.ts";
import { ClusterCreateForm } from "./cluster-create-form.tsx";
import { DeleteClusterButton } from "./delete-cluster-button.tsx";

async function listClusters(): Promise<Cluster[]> {
  return (await unwrap(api.GET("/v1/clusters", { params: { query: { limit: 500 } } }))).items;
}

/** Traffic of a cluster: the sum of its brokers' network in and out, from their last heartbeats. */
function ClusterTraffic({ clusterId }: { clusterId: string }) {
  const brokers = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/brokers", { params: { path: { id: clusterId } } }))).items,
    5000,
    [clusterId],
  );
  if (!brokers.data) return <span className="muted">…</span>;
  const bytesIn = brokers.data.reduce((sum, b) => sum + b.load.bytesInPerSec, 0);
  const bytesOut = brokers.data.reduce((sum, b) => sum + b.load.bytesOutPerSec, 0);
  return (
    <span>
      {brokers.data.length} brokers · in {formatRate(bytesIn)} · out {formatRate(bytesOut)}
    </span>
  );
}

export function ClustersPage() {
  const clusters = usePolled(listClusters, 3000, []);
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="page-head">
        <h1>Clusters</h1>
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create cluster
          </button>
        )}
      </div>
      {creating && (
        <ClusterCreateForm
          existing={clusters.data ?? []}
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            clusters.reload();
          }}
        />
      )}
      <LoadState
        {...clusters}
        empty={
          <>
            <h2>No cluster yet</h2>
            <p>
              A cluster is a fleet of stateless brokers with its data in object storage. Create one with the
              button above: on the <code>local</code> provider its brokers run on this machine.
            </p>
          </>
        }
      >
        {(list) => (
          <DataTable columns={["Name", "State", "Provider", "Traffic", "Created"]} actions>
            {list.map((cluster) => (
              <tr key={cluster.id}>
                <th scope="row">
                  <Link href={`/clusters/${cluster.id}`}>{cluster.name}</Link>
                </th>
                <td>
                  <Status state={cluster.state} />
                </td>
                <td>
                  {cluster.spec.provider} · {cluster.spec.region}
                </td>
                <td>
                  <ClusterTraffic clusterId={cluster.id} />
                </td>
                <td>{formatRelative(cluster.createdAt)}</td>
                <td>
                  <DeleteClusterButton cluster={cluster} onDeleted={clusters.reload} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </LoadState>
    </section>
  );
}
