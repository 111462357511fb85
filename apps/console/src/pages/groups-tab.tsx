import { Fragment, useState } from "react";
import { api } from "../api/client.ts";
import { unwrap } from "../api/problem.ts";
import { DataTable } from "../components/data-table.tsx";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { Status } from "../components/status.tsx";
import { hrefOf } from "../router.ts";
import { usePolled } from "../use-polled.ts";
import { OffsetResetForm } from "./offset-reset-form.tsx";

/** The reset form of one group, opened from the list: the group's state and committed topics loaded for it. */
function GroupReset(props: { clusterId: string; group: string; onDone: () => void }) {
  const view = usePolled(
    () =>
      unwrap(
        api.GET("/v1/clusters/{id}/consumer-groups/{group}", {
          params: { path: { id: props.clusterId, group: props.group } },
        }),
      ),
    5000,
    [props.clusterId, props.group],
  );
  return (
    <LoadState {...view}>
      {(g) => (
        <OffsetResetForm
          clusterId={props.clusterId}
          group={g.groupId}
          state={g.state}
          topics={[...new Set(g.partitions.map((p) => p.topic))]}
          onDone={() => {
            view.reload();
            props.onDone();
          }}
        />
      )}
    </LoadState>
  );
}

export function GroupsTab({ clusterId }: { clusterId: string }) {
  const groups = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/consumer-groups", { params: { path: { id: clusterId } } })))
        .items,
    5000,
    [clusterId],
  );
  const [resetting, setResetting] = useState<string>();
  return (
    <LoadState
      {...groups}
      empty={
        <p>
          No consumer group yet. A Kafka consumer with a <code>group.id</code> creates one when it joins; its
          members, committed offsets and lag then show here.
        </p>
      }
    >
      {(list) => (
        <DataTable caption="Consumer groups" columns={["Group", "State", "Protocol type"]} actions>
          {list.map((g) => (
            <Fragment key={g.groupId}>
              <tr>
                <th scope="row">
                  <Link href={hrefOf({ page: "group", clusterId, group: g.groupId })}>{g.groupId}</Link>
                </th>
                <td>
                  <Status state={g.state.toUpperCase()} />
                </td>
                <td>{g.protocolType || "—"}</td>
                <td>
                  <button
                    type="button"
                    aria-expanded={resetting === g.groupId}
                    onClick={() => setResetting(resetting === g.groupId ? undefined : g.groupId)}
                  >
                    {resetting === g.groupId ? "Close reset" : `Reset offsets`}
                    <span className="visually-hidden"> of {g.groupId}</span>
                  </button>
                </td>
              </tr>
              {resetting === g.groupId && (
                <tr id={`reset-${g.groupId}`}>
                  <td colSpan={4}>
                    <GroupReset clusterId={clusterId} group={g.groupId} onDone={groups.reload} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </DataTable>
      )}
    </LoadState>
  );
}
