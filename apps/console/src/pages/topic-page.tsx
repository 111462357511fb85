import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { messageOf, unwrap } from "../api/problem.ts";
import { Field } from "../components/field.tsx";
import { Link } from "../components/link.tsx";
import { LoadState } from "../components/load-state.tsx";
import { ScrollRegion } from "../components/scroll-region.tsx";
import { formatRate, formatRelative } from "../format.ts";
import { hrefOf } from "../router.ts";
import { usePolled } from "../use-polled.ts";
import { MessageBrowser } from "./message-browser.tsx";
import { TopicConfigsForm } from "./topic-configs-form.tsx";

function AddPartitionsForm(props: { clusterId: string; topic: string; current: number; onDone: () => void }) {
  const [total, setTotal] = useState(String(props.current * 2));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        api.POST("/v1/clusters/{id}/topics/{name}/partitions", {
          params: { path: { id: props.clusterId, name: props.topic } },
          body: { totalCount: total.trim() === "" ? Number.NaN : Number(total) },
        }),
      );
      props.onDone();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <Field
        id="p-total"
        label="Total partitions"
        hint={`Now ${props.current}; partitions can be added, never removed.`}
        error={error}
      >
        {(aria) => (
          <input {...aria} inputMode="numeric" value={total} onChange={(e) => setTotal(e.target.value)} />
        )}
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add partitions"}
      </button>
    </form>
  );
}

/** One topic: its configs and its partitions with leader, leader epoch, log start/end offsets and load. */
export function TopicPage({ clusterId, topic }: { clusterId: string; topic: string }) {
  const data = usePolled(
    async () => {
      const [t, load] = await Promise.all([
        unwrap(
          api.GET("/v1/clusters/{id}/topics/{name}", { params: { path: { id: clusterId, name: topic } } }),
        ),
        unwrap(api.GET("/v1/clusters/{id}/partitions/load", { params: { path: { id: clusterId } } })),
      ]);
      const loadOf = new Map(load.items.filter((l) => l.topicId === t.topicId).map((l) => [l.partition, l]));
      // Offsets come from the leaders; without them the table still shows (a dash per offset).
      const offsets = await unwrap(
        api.GET("/v1/clusters/{id}/topics/{name}/offsets", {
          params: { path: { id: clusterId, name: topic } },
        }),
      ).catch(() => undefined);
      const offsetsOf = new Map((offsets?.items ?? []).map((o) => [o.partition, o]));
      return { t, loadOf, offsetsOf };
    },
    3000,
    [clusterId, topic],
  );
  return (
    <section>
      <p className="crumbs">
        <Link href="/">Clusters</Link> /{" "}
        <Link href={hrefOf({ page: "cluster", clusterId, tab: "topics" })}>Topics</Link> / {topic}
      </p>
      <h1>{topic}</h1>
      <LoadState {...data}>
        {({ t, loadOf, offsetsOf }) => (
          <div className="stack">
            <div className="card">
              <h2>Partitions</h2>
              <AddPartitionsForm
                clusterId={clusterId}
                topic={topic}
                current={t.partitions.length}
                onDone={data.reload}
              />
              <ScrollRegion label="Partitions">
                <table>
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        Partition
                      </th>
                      <th scope="col" className="num">
                        Leader
                      </th>
                      <th scope="col" className="num">
                        Leader epoch
                      </th>
                      <th scope="col" className="num">
                        Start offset
                      </th>
                      <th scope="col" className="num">
                        End offset
                      </th>
                      <th scope="col" className="num">
                        Records
                      </th>
                      <th scope="col" className="num">
                        In (60 s avg)
                      </th>
                      <th scope="col" className="num">
                        Out (60 s avg)
                      </th>
                      <th scope="col">Reported</th>
                    </tr>
                  </thead>
                  <tbody>
                    {t.partitions.map((p) => {
                      const l = loadOf.get(p.partition);
                      const o = offsetsOf.get(p.partition);
                      return (
                        <tr key={p.partition}>
                          <td className="num">{p.partition}</td>
                          <td className="num">{p.leaderBrokerId < 0 ? "none" : p.leaderBrokerId}</td>
                          <td className="num">{p.leaderEpoch}</td>
                          <td className="num">{o?.startOffset ?? "—"}</td>
                          <td className="num">{o?.endOffset ?? "—"}</td>
                          <td className="num" title="end − start: an estimate (transaction markers count)">
                            {o?.records ?? "—"}
                          </td>
                          <td className="num">{l ? formatRate(l.avgBytesInPerSec) : "—"}</td>
                          <td className="num">{l ? formatRate(l.avgBytesOutPerSec) : "—"}</td>
                          <td>{l ? formatRelative(l.at) : <span className="muted">no traffic yet</span>}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </ScrollRegion>
            </div>
            <MessageBrowser clusterId={clusterId} topic={topic} partitions={t.partitions.length} />
            <TopicConfigsForm clusterId={clusterId} topic={topic} configs={t.configs} onSaved={data.reload} />
          </div>
        )}
      </LoadState>
    </section>
  );
}
