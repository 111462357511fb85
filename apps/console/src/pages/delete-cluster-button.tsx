import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import type { Cluster } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";

/**
 * Delete with confirmation. A cluster under deletion protection has it turned off first (a PATCH with the
 * version read, so a concurrent change is refused), which the dialog says.
 */
export function DeleteClusterButton({ cluster, onDeleted }: { cluster: Cluster; onDeleted: () => void }) {
  const path = { params: { path: { id: cluster.id } } };
  return (
    <ConfirmButton
      label="Delete"
      danger
      disabled={cluster.state === "DELETING"}
      title={`Delete cluster ${cluster.name}?`}
      body={
        `Its brokers are drained and stopped; its data in object storage is kept.` +
        (cluster.deletionProtection ? " Deletion protection is on: it will be turned off first." : "")
      }
      confirmLabel={`Delete ${cluster.name}`}
      action={async () => {
        if (cluster.deletionProtection)
          await unwrap(
            api.PATCH("/v1/clusters/{id}", {
              ...path,
              body: { version: cluster.version, deletionProtection: false },
            }),
          );
        await unwrap(api.DELETE("/v1/clusters/{id}", { params: { path: { id: cluster.id }, query: {} } }));
        onDeleted();
      }}
    />
  );
}
