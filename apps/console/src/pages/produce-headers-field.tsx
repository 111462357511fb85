import { useRef } from "react";
import { type HeaderRow, MAX_HEADERS } from "./produce-headers.ts";

/**
 * The produce form's headers: any number of name/value rows, added and removed with buttons (keyboard: a new
 * row's name takes the focus; removing one moves it to "Add header"), each input labelled with its row.
 */
export function HeadersField(props: {
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  error?: { row: number; message: string } | undefined;
}) {
  const { rows, onChange, error } = props;
  const addButton = useRef<HTMLButtonElement>(null);
  const focusName = useRef<number | null>(null);
  const change = (i: number, patch: Partial<HeaderRow>) =>
    onChange(rows.map((r, j) => (i === j ? { ...r, ...patch } : r)));
  return (
    <fieldset className="headers">
      <legend>Headers</legend>
      {rows.length === 0 && <p className="muted small">No header. Kafka headers are name/value pairs.</p>}
      {rows.map((r, i) => {
        const n = i + 1;
        const bad = error?.row === i;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, their names change
          <div key={i} className={`inline-form${bad ? " has-error" : ""}`}>
            <div className="field">
              <label htmlFor={`m-header-name-${i}`}>Header {n} name</label>
              <input
                id={`m-header-name-${i}`}
                value={r.name}
                autoComplete="off"
                aria-invalid={bad ? true : undefined}
                aria-describedby={bad ? `m-header-error-${i}` : undefined}
                ref={(input) => {
                  if (input && focusName.current === i) {
                    focusName.current = null;
                    input.focus();
                  }
                }}
                onChange={(e) => change(i, { name: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={`m-header-value-${i}`}>Header {n} value</label>
              <input
                id={`m-header-value-${i}`}
                value={r.value}
                autoComplete="off"
                onChange={(e) => change(i, { value: e.target.value })}
              />
              {bad && (
                <small id={`m-header-error-${i}`} className="field-error" role="alert">
                  {error.message}
                </small>
              )}
            </div>
            <button
              type="button"
              aria-label={`Remove header ${n}`}
              onClick={() => {
                onChange(rows.filter((_, j) => j !== i));
                addButton.current?.focus();
              }}
            >
              Remove
            </button>
          </div>
        );
      })}
      {error && error.row < 0 && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      <button
        type="button"
        ref={addButton}
        disabled={rows.length >= MAX_HEADERS}
        onClick={() => {
          focusName.current = rows.length;
          onChange([...rows, { name: "", value: "" }]);
        }}
      >
        Add header
      </button>
    </fieldset>
  );
}
