import { useState } from "react";
import { api } from "../api/client.ts";
import { messageOf, unwrap } from "../api/problem.ts";
import type { RebalancePlan } from "../api/types.ts";
import { LoadState } from "../components/load-state.tsx";
import { OperationCard } from "../components/operation-card.tsx";
import { ScrollRegion } from "../components/scroll-region.tsx";
import { formatRate } from "../format.ts";
import { useLive } from "../use-live.ts";
import { usePolled } from "../use-polled.ts";
import { applyOperationEvent, operationFinished } from "./operation-events.ts";

/** Partitions per broker before and after the plan, as paired bars. */
function BeforeAfter({ plan }: { plan: RebalancePlan }) {
  const ids = [...new Set([...plan.before, ...plan.after].map((b) => b.brokerId))].sort((a, b) => a - b);
  const count = (list: RebalancePlan["before"], id: number) =>
    list.find((b) => b.brokerId === id)?.partitions ?? 0;
  const load = (list: RebalancePlan["before"], id: number) => {
    const b = list.find((x) => x.brokerId === id);
    return b ? b.bytesInPerSec + b.bytesOutPerSec : 0;
  };
  const most = Math.max(1, ...plan.before.map((b) => b.partitions), ...plan.after.map((b) => b.partitions));
  return (
    <table className="bars">
      <caption>Partitions led per broker, before and after (with network in+out)</caption>
      <thead>
        <tr>
          <th scope="col">Broker</th>
          <th scope="col">Before and after</th>
        </tr>
      </thead>
      <tbody>
        {ids.map((id) => (
          <tr key={id}>
            <th scope="row">{id}</th>
            <td>
              <div className="bar before" style={{ width: `${(100 * count(plan.before, id)) / most}%` }}>
                {count(plan.before, id)} now · {formatRate(load(plan.before, id))}
              </div>
              <div className="bar after" style={{ width: `${(100 * count(plan.after, id)) / most}%` }}>
                {count(plan.after, id)} after · {formatRate(load(plan.after, id))}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The executed plan's operation, live (SSE) until it has finished. */
function WatchOperation({ id }: { id: string }) {
  const op = useLive(
    (signal) =>
      unwrap(
        api.GET("/v1/operations/{id}/events", { params: { path: { id } }, parseAs: "stream", signal }),
      ) as Promise<ReadableStream<Uint8Array>>,
    applyOperationEvent,
    [id],
    operationFinished,
  );
  return <LoadState {...op}>{(o) => <OperationCard operation={o} />}</LoadState>;
}

export function RebalanceTab({ clusterId }: { clusterId: string }) {
  const [previewed, setPreviewed] = useState(0);
  const plan = usePolled(
    () => unwrap(api.GET("/v1/clusters/{id}/rebalance/plan", { params: { path: { id: clusterId } } })),
    0,
    [clusterId, previewed],
  );
  const [operationId, setOperationId] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const execute = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // dryRun: false starts the plan (202, an operation); without it the control plane only previews.
      const op = await unwrap(
        api.POST("/v1/clusters/{id}/rebalance", {
          params: { path: { id: clusterId } },
          body: { dryRun: false },
        }),
      );
      if (!("id" in op)) throw new Error("the control plane answered a preview, not an operation");
      setOperationId(op.id);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      <div className="card">
        <div className="page-head">
          <h2>Plan</h2>
          <div className="actions">
            <button type="button" onClick={() => setPreviewed((n) => n + 1)}>
              Preview again
            </button>
            <button
              type="button"
              className="primary"
              onClick={execute}
              disabled={busy || !plan.data || plan.data.moves.length === 0}
            >
              {busy ? "Starting…" : "Execute plan"}
            </button>
          </div>
        </div>
        <p className="muted">
          A dry run: the moves that would bring network load and partition counts within the goals' bands. A
          move copies no data: the leader uploads its WAL tail and the target opens the partition from object
          storage. Executing plans afresh.
        </p>
        {error && (
          <p className="callout callout-bad" role="alert">
            {error}
          </p>
        )}
        <LoadState {...plan}>
          {(p) => (
            <>
              <BeforeAfter plan={p} />
              <ul className="goals">
                {p.goals.map((g) => (
                  <li key={g.goal}>
                    <strong>{g.goal}</strong>: {g.metBefore ? "met now" : "not met now"},{" "}
                    {g.metAfter ? "met after the plan" : "still not met after it"}
                    {g.detail && <span className="muted"> — {g.detail}</span>}
                  </li>
                ))}
              </ul>
              {p.moves.length === 0 ? (
                <p className="empty">Balanced: no move would make the brokers more even.</p>
              ) : (
                <ScrollRegion label="The plan's moves">
                  <table>
                    <caption>{p.moves.length} moves</caption>
                    <thead>
                      <tr>
                        <th scope="col">Partition</th>
                        <th scope="col" className="num">
                          From
                        </th>
                        <th scope="col" className="num">
                          To
                        </th>
                        <th scope="col">Why</th>
                        <th scope="col" className="num">
                          Its load
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.moves.map((m) => (
                        <tr key={`${m.topicId}/${m.partition}`}>
                          <td>
                            {m.topic}-{m.partition}
                          </td>
                          <td className="num">{m.from}</td>
                          <td className="num">{m.to}</td>
                          <td className="small">
                            <strong>{m.goal}</strong>: {m.reason}
                          </td>
                          <td className="num">{formatRate(m.bytesInPerSec + m.bytesOutPerSec)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollRegion>
              )}
            </>
          )}
        </LoadState>
      </div>
      {operationId && (
        <div className="card">
          <h2>Running</h2>
          <WatchOperation id={operationId} />
        </div>
      )}
    </div>
  );
}
