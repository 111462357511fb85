import { useState } from "react";
import type { ClusterListItem } from "../api/types.ts";
import { DataTable } from "../components/data-table.tsx";
import { Link } from "../components/link.tsx";
import { LiveStatus } from "../components/live-status.tsx";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { formatRate, formatRelative } from "../format.ts";
import { useClusterListLive } from "../use-cluster-list-live.ts";
import { ClusterCreateForm } from "./cluster-create-form.tsx";
import { DeleteClusterButton } from "./delete-cluster-button.tsx";

/** Traffic of a cluster: its broker count and the sum of their network in and out, from their last heartbeats. */
function ClusterTraffic({ brokers }: { brokers: ClusterListItem["brokers"] }) {
  return (
    <span>
      {brokers.count} brokers · in {formatRate(brokers.bytesInPerSec)} · out{" "}
      {formatRate(brokers.bytesOutPerSec)}
    </span>
  );
}

export function ClustersPage() {
  const live = useClusterListLive();
  const clusters = live.list;
  // The stream brings creations and deletions itself; only the polled fallback needs asking again.
  const refresh = () => {
    if (live.polling) clusters.reload();
  };
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="page-head">
        <h1>Clusters</h1>
        <LiveStatus {...live} pollSeconds={3} />
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create cluster
          </button>
        )}
      </div>
      {creating && (
        <ClusterCreateForm
          existing={(clusters.data ?? []).map((item) => item.cluster)}
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            refresh();
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
          <DataTable caption="Clusters" columns={["Name", "State", "Provider", "Traffic", "Created"]} actions>
            {list.map(({ cluster, brokers }) => (
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
                  <ClusterTraffic brokers={brokers} />
                </td>
                <td>{formatRelative(cluster.createdAt)}</td>
                <td>
                  <DeleteClusterButton cluster={cluster} onDeleted={refresh} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </LoadState>
    </section>
  );
}
