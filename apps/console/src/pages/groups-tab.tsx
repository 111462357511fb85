import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { hrefOf } from "../router.ts";
import { usePolled } from "../use-polled.ts";

export function GroupsTab({ clusterId }: { clusterId: string }) {
  const groups = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/consumer-groups", { params: { path: { id: clusterId } } })))
        .items,
    5000,
    [clusterId],
  );
  return (
    <LoadState
      {...groups}
      isEmpty={(list) => list.length === 0}
      empty={
        <p>
          No consumer group yet. A Kafka consumer with a <code>group.id</code> creates one when it joins; its
          members, committed offsets and lag then show here.
        </p>
      }
    >
      {(list) => (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Consumer groups</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">State</th>
                <th scope="col">Protocol type</th>
              </tr>
            </thead>
            <tbody>
              {list.map((g) => (
                <tr key={g.groupId}>
                  <th scope="row">
                    <Link href={hrefOf({ page: "group", clusterId, group: g.groupId })}>{g.groupId}</Link>
                  </th>
                  <td>
                    <Status state={g.state.toUpperCase()} />
                  </td>
                  <td>{g.protocolType || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </LoadState>
  );
}
