import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { OperationCard } from "../components/operation-card.tsx";
import { usePolled } from "../use-polled.ts";

/** The timeline of operations (newest first), of one cluster or all, refreshed every 2 s. */
export function OperationsPage({ clusterId }: { clusterId?: string }) {
  const operations = usePolled(
    async () =>
      (
        await unwrap(
          api.GET("/v1/operations", {
            params: { query: { limit: 100, ...(clusterId ? { clusterId } : {}) } },
          }),
        )
      ).items,
    2000,
    [clusterId],
  );
  return (
    <section>
      <div className="page-head">
        <h1>Operations</h1>
        {clusterId && <Link href="/operations">Show every cluster's</Link>}
      </div>
      <p className="muted">
        Everything the control plane does is an operation: creating and deleting clusters, scaling, moves,
        drains and failovers. Each shows its steps with their durations, its inputs and its errors, live.
      </p>
      <LoadState
        {...operations}
        isEmpty={(list) => list.length === 0}
        empty={<p>No operation yet. Creating a cluster starts one.</p>}
      >
        {(list) => (
          <ol className="timeline">
            {list.map((op) => (
              <li key={op.id}>
                <OperationCard operation={op} />
              </li>
            ))}
          </ol>
        )}
      </LoadState>
    </section>
  );
}
