import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { OperationCard } from "../components/operation-card.tsx";
import { useLive } from "../use-live.ts";
import { applyTimelineEvent } from "./operation-events.ts";

/** The timeline of operations (newest first), of one cluster or all, live: the API pushes each change (SSE). */
export function OperationsPage({ clusterId }: { clusterId?: string }) {
  const operations = useLive(
    (signal) =>
      unwrap(
        api.GET("/v1/operations/events", {
          params: { query: { limit: 100, ...(clusterId ? { clusterId } : {}) } },
          parseAs: "stream",
          signal,
        }),
      ) as Promise<ReadableStream<Uint8Array>>,
    applyTimelineEvent,
    [clusterId],
  );
  return (
    <section>
      <div className="page-head">
        <h1>Operations</h1>
        <span className="muted small" role="status">
          {operations.live ? "● Live" : "Connecting…"}
        </span>
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
