import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { messageOf, unwrap } from "../api/problem.ts";
import { type ConfigRow, configsBody, rowOfError } from "./topic-configs-edit.ts";

/**
 * A topic's configs, editable: rows of name and value, saved as the whole map (PATCH replaces it); a
 * refusal by Kafka's topic rules is shown at the row it names, or above the rows.
 */
export function TopicConfigsForm(props: {
  clusterId: string;
  topic: string;
  configs: Record<string, string>;
  onSaved: () => void;
}) {
  const initial = () => Object.entries(props.configs).map(([name, value]) => ({ name, value }));
  const [rows, setRows] = useState<ConfigRow[] | null>(null);
  const [error, setError] = useState<{ row: number; message: string }>();
  const [busy, setBusy] = useState(false);
  const editing = rows !== null;
  const shown = rows ?? initial();
  const change = (i: number, patch: Partial<ConfigRow>) =>
    setRows(shown.map((r, j) => (i === j ? { ...r, ...patch } : r)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const body = configsBody(shown);
    if ("error" in body) {
      setError({ row: -1, message: body.error });
      return;
    }
    setBusy(true);
    try {
      await unwrap(
        api.PATCH("/v1/clusters/{id}/topics/{name}", {
          params: { path: { id: props.clusterId, name: props.topic } },
          body,
        }),
      );
      setRows(null);
      props.onSaved();
    } catch (failure) {
      const message = messageOf(failure);
      setError({ row: rowOfError(message, shown), message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card">
      <h2>Configs</h2>
      {!editing ? (
        <>
          {shown.length === 0 ? (
            <p className="muted">Every config has its default.</p>
          ) : (
            <dl className="facts">
              {shown.map((r) => (
                <div key={r.name} className="fact-row">
                  <dt>{r.name}</dt>
                  <dd>{r.value}</dd>
                </div>
              ))}
            </dl>
          )}
          <button type="button" onClick={() => setRows(initial())}>
            Edit configs
          </button>
        </>
      ) : (
        <form onSubmit={submit} noValidate aria-label="Topic configs">
          {error && error.row < 0 && (
            <p className="callout callout-bad" role="alert">
              {error.message}
            </p>
          )}
          {shown.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, their names change
            <div key={i} className={`inline-form${error?.row === i ? " has-error" : ""}`}>
              <div className="field">
                <label htmlFor={`cfg-name-${i}`}>Name</label>
                <input
                  id={`cfg-name-${i}`}
                  value={r.name}
                  onChange={(e) => change(i, { name: e.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`cfg-value-${i}`}>Value</label>
                <input
                  id={`cfg-value-${i}`}
                  value={r.value}
                  aria-invalid={error?.row === i ? true : undefined}
                  aria-describedby={error?.row === i ? `cfg-error-${i}` : undefined}
                  onChange={(e) => change(i, { value: e.target.value })}
                />
                {error?.row === i && (
                  <small id={`cfg-error-${i}`} className="field-error" role="alert">
                    {error.message}
                  </small>
                )}
              </div>
              <button type="button" onClick={() => setRows(shown.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <div className="actions">
            <button type="button" onClick={() => setRows([...shown, { name: "", value: "" }])}>
              Add config
            </button>
            <button
              type="button"
              onClick={() => {
                setRows(null);
                setError(undefined);
              }}
              disabled={busy}
            >
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Saving…" : "Save configs"}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
