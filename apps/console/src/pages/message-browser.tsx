import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, messageOf, unwrap } from "../api/problem.ts";
import type { MessagesPage } from "../api/types.ts";
import { Field } from "../components/field.tsx";
import { LoadState } from "../components/load-state.tsx";
import { ScrollRegion } from "../components/scroll-region.tsx";
import { formatTime } from "../format.ts";
import { usePolled } from "../use-polled.ts";
import { filterQuery, isFiltered, type MessageFilters, NO_FILTERS, scanNote } from "./message-filters.ts";
import { MessageFiltersForm } from "./message-filters-form.tsx";
import { type Encoding, showBytes } from "./message-format.ts";
import { isLive, type MessageStart, messagesQuery } from "./message-start.ts";
import { type HeaderRow, headersBody, rowOfPointer } from "./produce-headers.ts";
import { HeadersField } from "./produce-headers-field.tsx";

const PAGE = 20;

function ProduceForm(props: { clusterId: string; topic: string; partition: number; onProduced: () => void }) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const [headerError, setHeaderError] = useState<{ row: number; message: string }>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setHeaderError(undefined);
    setDone(undefined);
    const sent = headersBody(headers);
    if ("error" in sent) {
      setHeaderError({ row: sent.row, message: sent.error });
      return;
    }
    setBusy(true);
    try {
      const produced = await unwrap(
        api.POST("/v1/clusters/{id}/topics/{name}/partitions/{partition}/messages", {
          params: { path: { id: props.clusterId, name: props.topic, partition: props.partition } },
          body: {
            key: key === "" ? null : key,
            value,
            ...(sent.headers.length > 0 ? { headers: sent.headers } : {}),
          },
        }),
      );
      setDone(`Written at offset ${produced.offset} of partition ${produced.partition}.`);
      setValue("");
      props.onProduced();
    } catch (failure) {
      const field = failure instanceof ApiProblem ? failure.field : null;
      const row = field ? rowOfPointer(field.pointer, headers) : -1;
      if (field && row >= 0) setHeaderError({ row, message: field.message });
      else setError(field ? field.message : messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="produce" onSubmit={submit} noValidate aria-labelledby="produce-title">
      <h3 id="produce-title">Produce a message to partition {props.partition}</h3>
      <div className="inline-form">
        <Field id="m-key" label="Key" hint="Empty: no key.">
          {(aria) => (
            <input {...aria} value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
          )}
        </Field>
      </div>
      <HeadersField rows={headers} onChange={setHeaders} error={headerError} />
      <Field id="m-value" label="Value" error={error}>
        {(aria) => <textarea {...aria} rows={3} value={value} onChange={(e) => setValue(e.target.value)} />}
      </Field>
      <div className="actions">
        {done && (
          <span className="muted" role="status">
            {done}
          </span>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Producing…" : "Produce"}
        </button>
      </div>
    </form>
  );
}

function MessageList({ page, encoding }: { page: MessagesPage; encoding: Encoding }) {
  return (
    <ScrollRegion label="Messages">
      <table className="messages">
        <caption>
          {page.timestampOffset === undefined
            ? `Offsets ${page.startOffset} to ${page.endOffset - 1}`
            : `From offset ${page.timestampOffset}, the first at or after the time (the partition ends at ${page.endOffset})`}{" "}
          · newest first
        </caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Offset
            </th>
            <th scope="col">Time</th>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">Headers</th>
          </tr>
        </thead>
        <tbody>
          {page.messages.map((m) => (
            <tr key={m.offset}>
              <td className="num">{m.offset}</td>
              <td className="small nowrap">{formatTime(m.timestamp)}</td>
              <td>
                <pre>{showBytes(m.key, encoding)}</pre>
              </td>
              <td>
                <pre>{showBytes(m.value, encoding)}</pre>
              </td>
              <td className="small">
                {m.headers.map((h, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: Kafka headers are ordered and a name may repeat
                  <div key={i}>
                    {h.key}={showBytes(h.value, encoding)}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/**
 * A partition's records, newest first, refreshed every 3 s (live tail) unless paging back from an offset or
 * reading from a time; and a produce form.
 */
export function MessageBrowser(props: { clusterId: string; topic: string; partitions: number }) {
  const [partition, setPartition] = useState(0);
  const [start, setStart] = useState<MessageStart>({ kind: "newest" });
  const [encoding, setEncoding] = useState<Encoding>("text");
  const [filters, setFilters] = useState<MessageFilters>(NO_FILTERS);
  const query = { ...messagesQuery(start, PAGE), ...filterQuery(filters) };
  const page = usePolled(
    () =>
      unwrap(
        api.GET("/v1/clusters/{id}/topics/{name}/partitions/{partition}/messages", {
          params: { path: { id: props.clusterId, name: props.topic, partition }, query },
        }),
      ),
    isLive(start) ? 3000 : 0,
    [
      props.clusterId,
      props.topic,
      partition,
      query.before,
      query.timestamp,
      query.key,
      query.value,
      query.header,
      query.json,
    ],
  );
  const newest = () => setStart({ kind: "newest" });
  const filtered = isFiltered(filters);
  return (
    <div className="card">
      <h2>Messages</h2>
      <div className="inline-form">
        <Field id="m-partition" label="Partition">
          {(aria) => (
            <select
              {...aria}
              value={partition}
              onChange={(e) => {
                setPartition(Number(e.target.value));
                newest();
              }}
            >
              {Array.from({ length: props.partitions }, (_, i) => `${i}`).map((index) => (
                <option key={`partition-${index}`} value={index}>
                  {index}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="m-encoding" label="Show as">
          {(aria) => (
            <select {...aria} value={encoding} onChange={(e) => setEncoding(e.target.value as Encoding)}>
              <option value="text">text</option>
              <option value="json">JSON</option>
              <option value="hex">hex</option>
            </select>
          )}
        </Field>
        <Field id="m-before" label="Before offset" hint="Empty: the newest, live.">
          {(aria) => (
            <input
              {...aria}
              inputMode="numeric"
              value={start.kind === "before" ? start.offset : ""}
              onChange={(e) =>
                e.target.value.trim() === ""
                  ? newest()
                  : setStart({ kind: "before", offset: Math.max(0, Number(e.target.value) || 0) })
              }
            />
          )}
        </Field>
        <Field
          id="m-from-time"
          label="From time"
          hint="Your local time: the records from the first one at or after it."
        >
          {(aria) => (
            <input
              {...aria}
              type="datetime-local"
              step={1}
              value={start.kind === "time" ? start.local : ""}
              onChange={(e) =>
                e.target.value === "" ? newest() : setStart({ kind: "time", local: e.target.value })
              }
            />
          )}
        </Field>
      </div>
      <MessageFiltersForm
        applied={filters}
        onApply={(next) => {
          setFilters(next);
          if (start.kind === "before") newest();
        }}
      />
      {filtered && page.data && (
        <p className="muted small" role="status">
          {scanNote(page.data, PAGE, start.kind === "time")}
        </p>
      )}
      <LoadState
        {...page}
        isEmpty={(p) => p.messages.length === 0}
        empty={
          filtered ? (
            <p>
              No message matches the filters in the offsets scanned. Change or clear the filters
              {page.data && page.data.scan.from > page.data.startOffset ? ", or scan older offsets" : ""}.
            </p>
          ) : page.data?.timestampOffset === undefined ? (
            <p>No message in this range. Produce one below, or with any Kafka client.</p>
          ) : (
            <p>
              No message at or after this time: the partition ends at offset {page.data.endOffset}. Choose an
              earlier time, or clear it to follow the newest.
            </p>
          )
        }
      >
        {(p) => (
          <>
            <MessageList page={p} encoding={encoding} />
            <OlderActions
              page={p}
              live={isLive(start)}
              onNewest={newest}
              onOlder={(offset) => setStart({ kind: "before", offset })}
            />
          </>
        )}
      </LoadState>
      {filtered &&
        page.data &&
        page.data.messages.length === 0 &&
        page.data.scan.from > page.data.startOffset && (
          <OlderActions
            page={page.data}
            live={isLive(start)}
            onNewest={newest}
            onOlder={(offset) => setStart({ kind: "before", offset })}
          />
        )}
      <ProduceForm
        clusterId={props.clusterId}
        topic={props.topic}
        partition={partition}
        onProduced={page.reload}
      />
    </div>
  );
}

/** "Newest (live)" when not following the end; "Older": the page before the offsets this one scanned. */
function OlderActions(props: {
  page: MessagesPage;
  live: boolean;
  onNewest: () => void;
  onOlder: (before: number) => void;
}) {
  const { scan, startOffset } = props.page;
  return (
    <div className="actions">
      {!props.live && (
        <button type="button" onClick={props.onNewest}>
          Newest (live)
        </button>
      )}
      <button type="button" disabled={scan.from <= startOffset} onClick={() => props.onOlder(scan.from)}>
        Older
      </button>
    </div>
  );
}
