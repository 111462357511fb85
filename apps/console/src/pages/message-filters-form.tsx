import { type FormEvent, useState } from "react";
import { Field } from "../components/field.tsx";
import { isFiltered, type MessageFilters, NO_FILTERS } from "./message-filters.ts";

/**
 * The message browser's filters: typed here, applied (sent to the API, which scans the partition for them) on
 * "Filter"; "Clear" shows every record again. The live tail keeps its filters.
 */
export function MessageFiltersForm(props: {
  applied: MessageFilters;
  onApply: (filters: MessageFilters) => void;
}) {
  const [draft, setDraft] = useState<MessageFilters>(props.applied);
  const set = (name: keyof MessageFilters) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [name]: e.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply(draft);
  };
  return (
    <form className="message-filters" onSubmit={submit} aria-labelledby="filters-title" noValidate>
      <h3 id="filters-title">Filter</h3>
      <div className="inline-form">
        <Field id="f-key" label="Key contains">
          {(aria) => <input {...aria} value={draft.key} onChange={set("key")} autoComplete="off" />}
        </Field>
        <Field id="f-value" label="Value contains">
          {(aria) => <input {...aria} value={draft.value} onChange={set("value")} autoComplete="off" />}
        </Field>
        <Field id="f-header" label="Header contains" hint="Matched against name=value.">
          {(aria) => <input {...aria} value={draft.header} onChange={set("header")} autoComplete="off" />}
        </Field>
        <Field
          id="f-json"
          label="JSON field"
          hint={
            <>
              path=value, e.g. <code>user.id=42</code> or <code>$.items[0].sku == "A-1"</code>; the value is
              JSON when it parses (42 also finds "42"), else text.
            </>
          }
        >
          {(aria) => (
            <input
              {...aria}
              value={draft.json}
              onChange={set("json")}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
      </div>
      <p className="hint">
        Text filters are case-insensitive and match anywhere; every filter filled in must match. The server
        scans the partition for them (up to 10,000 records per page) and says where it stopped.
      </p>
      <div className="actions">
        {isFiltered(props.applied) && (
          <button
            type="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              props.onApply(NO_FILTERS);
            }}
          >
            Clear filters
          </button>
        )}
        <button type="submit">Filter</button>
      </div>
    </form>
  );
}
