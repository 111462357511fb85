import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { ScrollRegion } from "../components/scroll-region.tsx";
import { Status } from "../components/status.tsx";
import { hrefOf } from "../router.ts";
import { usePolled } from "../use-polled.ts";
import { OffsetResetForm } from "./offset-reset-form.tsx";

/** One consumer group: members with their assignments, and per partition the committed offset and lag. */
export function GroupPage({ clusterId, group }: { clusterId: string; group: string }) {
  const view = usePolled(
    () =>
      unwrap(
        api.GET("/v1/clusters/{id}/consumer-groups/{group}", { params: { path: { id: clusterId, group } } }),
      ),
    3000,
    [clusterId, group],
  );
  return (
    <section>
      <p className="crumbs">
        <Link href="/">Clusters</Link> /{" "}
        <Link href={hrefOf({ page: "cluster", clusterId, tab: "groups" })}>Consumer groups</Link> / {group}
      </p>
      <LoadState {...view}>
        {(g) => (
          <div className="stack">
            <h1>
              {g.groupId} <Status state={g.state.toUpperCase()} />
            </h1>
            <dl className="facts card">
              <dt>Total lag</dt>
              <dd>{g.totalLag.toLocaleString()} records</dd>
              <dt>Coordinator</dt>
              <dd>broker {g.coordinator}</dd>
              <dt>Protocol</dt>
              <dd>
                {g.protocolType || "—"} {g.protocol && `· ${g.protocol}`}
              </dd>
            </dl>
            <div className="card">
              <h2>Members</h2>
              {g.members.length === 0 ? (
                <p className="muted">No member now: the group keeps its committed offsets until one joins.</p>
              ) : (
                <ScrollRegion label="Members">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Client</th>
                        <th scope="col">Host</th>
                        <th scope="col">Assigned</th>
                      </tr>
                    </thead>
                    <tbody>
                      {g.members.map((m) => (
                        <tr key={m.memberId}>
                          <th scope="row">
                            {m.clientId}
                            <div className="muted small">{m.memberId}</div>
                          </th>
                          <td>{m.clientHost}</td>
                          <td className="small">
                            {m.assignment.map((a) => `${a.topic}: ${a.partitions.join(", ")}`).join(" · ") ||
                              "nothing"}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollRegion>
              )}
            </div>
            <div className="card">
              <h2>Lag per partition</h2>
              <ScrollRegion label="Lag per partition">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Partition</th>
                      <th scope="col" className="num">
                        Committed
                      </th>
                      <th scope="col" className="num">
                        End
                      </th>
                      <th scope="col" className="num">
                        Lag
                      </th>
                      <th scope="col">Member</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.partitions.map((p) => (
                      <tr key={`${p.topic}/${p.partition}`}>
                        <td>
                          {p.topic}-{p.partition}
                        </td>
                        <td className="num">{p.committedOffset < 0 ? "none" : p.committedOffset}</td>
                        <td className="num">{p.endOffset ?? "?"}</td>
                        <td className="num">{p.lag ?? "?"}</td>
                        <td className="small">{p.memberId ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollRegion>
            </div>
            <OffsetResetForm
              clusterId={clusterId}
              group={g.groupId}
              state={g.state}
              topics={[...new Set(g.partitions.map((p) => p.topic))]}
              onDone={view.reload}
            />
          </div>
        )}
      </LoadState>
    </section>
  );
}
