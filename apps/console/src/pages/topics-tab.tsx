import { useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, messageOf, unwrap } from "../api/problem.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { DataTable } from "../components/data-table.tsx";
import { Field } from "../components/field.tsx";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { hrefOf } from "../router.ts";
import { usePolled } from "../use-polled.ts";
import { useSubmit } from "../use-submit.ts";

/** The API's refusal at the field it names (name or partitions), or for the whole form. */
function fieldErrorsOf(failure: unknown): { name?: string; partitions?: string; form?: string } {
  if (failure === undefined) return {};
  const field = failure instanceof ApiProblem ? failure.field : null;
  if (field?.pointer.startsWith("/name")) return { name: field.message };
  if (field?.pointer.startsWith("/partitions")) return { partitions: field.message };
  return { form: messageOf(failure) };
}

function CreateTopicForm({ clusterId, onCreated }: { clusterId: string; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("6");
  const { busy, failure, onSubmit } = useSubmit(async () => {
    await unwrap(
      api.POST("/v1/clusters/{id}/topics", {
        params: { path: { id: clusterId } },
        body: { name: name.trim(), partitions: partitions.trim() === "" ? Number.NaN : Number(partitions) },
      }),
    );
    setName("");
    onCreated();
  });
  const errors = fieldErrorsOf(failure);
  return (
    <form className="card inline-form" onSubmit={onSubmit} noValidate aria-labelledby="topic-create">
      <h2 id="topic-create">Create a topic</h2>
      <Field id="t-name" label="Name" hint="Letters, digits, . _ and -" error={errors.name}>
        {(aria) => (
          <input {...aria} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        )}
      </Field>
      <Field id="t-partitions" label="Partitions" error={errors.partitions}>
        {(aria) => (
          <input
            {...aria}
            inputMode="numeric"
            value={partitions}
            onChange={(e) => setPartitions(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Creating…" : "Create topic"}
      </button>
      {errors.form && (
        <p className="callout callout-bad span-all" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  );
}

export function TopicsTab({ clusterId }: { clusterId: string }) {
  const topics = usePolled(
    async () =>
      (await unwrap(api.GET("/v1/clusters/{id}/topics", { params: { path: { id: clusterId } } }))).items.sort(
        (a, b) => a.name.localeCompare(b.name),
      ),
    5000,
    [clusterId],
  );
  return (
    <div className="stack">
      <CreateTopicForm clusterId={clusterId} onCreated={topics.reload} />
      <LoadState
        {...topics}
        empty={
          <p>
            No topic yet. Create one above, or just produce to a new name with any Kafka client: brokers
            create topics on first use.
          </p>
        }
      >
        {(list) => (
          <DataTable
            caption="Topics"
            columns={[
              "Topic",
              { label: "Partitions", numeric: true },
              { label: "Without leader", numeric: true },
              "Configs",
            ]}
            actions
          >
            {list.map((t) => (
              <tr key={t.topicId}>
                <th scope="row">
                  <Link href={hrefOf({ page: "topic", clusterId, topic: t.name })}>{t.name}</Link>
                </th>
                <td className="num">{t.partitions.length}</td>
                <td className="num">{t.partitions.filter((p) => p.leaderBrokerId < 0).length}</td>
                <td className="small">
                  {Object.entries(t.configs)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(", ") || <span className="muted">defaults</span>}
                </td>
                <td>
                  <ConfirmButton
                    label="Delete"
                    danger
                    title={`Delete topic ${t.name}?`}
                    body="Its records are deleted for good; clients reading it get UNKNOWN_TOPIC_OR_PARTITION."
                    confirmLabel={`Delete ${t.name}`}
                    action={async () => {
                      await unwrap(
                        api.DELETE("/v1/clusters/{id}/topics/{name}", {
                          params: { path: { id: clusterId, name: t.name } },
                        }),
                      );
                      topics.reload();
                    }}
                  />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </LoadState>
    </div>
  );
}
