import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, messageOf, unwrap } from "../api/problem.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { Field } from "../components/field.tsx";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { hrefOf } from "../router.ts";
import { usePolled } from "../use-polled.ts";

function CreateTopicForm({ clusterId, onCreated }: { clusterId: string; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("6");
  const [errors, setErrors] = useState<{ name?: string; partitions?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      await unwrap(
        api.POST("/v1/clusters/{id}/topics", {
          params: { path: { id: clusterId } },
          body: { name: name.trim(), partitions: partitions.trim() === "" ? Number.NaN : Number(partitions) },
        }),
      );
      setName("");
      onCreated();
    } catch (failure) {
      const field = failure instanceof ApiProblem ? failure.field : null;
      if (field?.pointer.startsWith("/name")) setErrors({ name: field.message });
      else if (field?.pointer.startsWith("/partitions")) setErrors({ partitions: field.message });
      else setErrors({ form: messageOf(failure) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-labelledby="topic-create">
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
        isEmpty={(list) => list.length === 0}
        empty={
          <p>
            No topic yet. Create one above, or just produce to a new name with any Kafka client: brokers
            create topics on first use.
          </p>
        }
      >
        {(list) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Topics</caption>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" className="num">
                    Partitions
                  </th>
                  <th scope="col" className="num">
                    Without leader
                  </th>
                  <th scope="col">Configs</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
    </div>
  );
}
