import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { messageOf, unwrap } from "../api/problem.ts";
import type { OffsetResetResult } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { Field } from "../components/field.tsx";
import { ScrollRegion } from "../components/scroll-region.tsx";
import { type ResetFields, resetRequest } from "./offset-reset-request.ts";

/**
 * Reset a group's offsets: choose a target, preview the change per partition (a dry run), then confirm. The
 * API refuses to execute while the group has members (409): its message is shown.
 */
const count = (r: OffsetResetResult) =>
  `${r.partitions.length} partition${r.partitions.length === 1 ? "" : "s"}`;

export function OffsetResetForm(props: {
  clusterId: string;
  group: string;
  state: string;
  topics: string[];
  onDone: () => void;
}) {
  const [fields, setFields] = useState<ResetFields>({ target: "earliest", when: "", offset: "", topic: "" });
  const [fieldError, setFieldError] = useState<{ field: "when" | "offset"; message: string }>();
  const [error, setError] = useState<string>();
  const [preview, setPreview] = useState<OffsetResetResult>();
  const [done, setDone] = useState<OffsetResetResult>();
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<ResetFields>) => {
    setFields({ ...fields, ...change });
    setPreview(undefined);
  };
  const showPreview = async () => {
    const request = resetRequest(fields, true);
    setFieldError(undefined);
    setError(undefined);
    if ("error" in request) {
      setFieldError(request.error);
      return;
    }
    setBusy(true);
    try {
      const result = await unwrap(
        api.POST("/v1/clusters/{id}/consumer-groups/{group}/offsets/reset", {
          params: { path: { id: props.clusterId, group: props.group } },
          body: request.body,
        }),
      );
      setPreview(result);
      setDone(undefined);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  /** Commits the previewed target; its error (409 while the group has members) stays in the dialog. */
  const execute = async () => {
    const request = resetRequest(fields, false);
    if ("error" in request) throw new Error(request.error.message);
    const result = await unwrap(
      api.POST("/v1/clusters/{id}/consumer-groups/{group}/offsets/reset", {
        params: { path: { id: props.clusterId, group: props.group } },
        body: request.body,
      }),
    );
    setPreview(undefined);
    setDone(result);
    props.onDone();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void showPreview();
  };
  const active = props.state !== "Empty" && props.state !== "Dead";
  return (
    <div className="card">
      <h2>Reset offsets</h2>
      <form className="inline-form" onSubmit={submit} noValidate aria-label="Reset offsets">
        <Field id="reset-target" label="Move to">
          {(aria) => (
            <select
              {...aria}
              value={fields.target}
              onChange={(e) => set({ target: e.target.value as ResetFields["target"] })}
            >
              <option value="earliest">Earliest (re-read everything kept)</option>
              <option value="latest">Latest (skip to the end)</option>
              <option value="timestamp">A date and time</option>
              <option value="offset">An offset</option>
            </select>
          )}
        </Field>
        {fields.target === "timestamp" && (
          <Field
            id="reset-when"
            label="From"
            hint="Each partition goes to its first record at or after this time (your time zone)."
            error={fieldError?.field === "when" ? fieldError.message : undefined}
          >
            {(aria) => (
              <input
                {...aria}
                type="datetime-local"
                value={fields.when}
                onChange={(e) => set({ when: e.target.value })}
              />
            )}
          </Field>
        )}
        {fields.target === "offset" && (
          <Field
            id="reset-offset"
            label="Offset"
            hint="Kept inside each partition's earliest and latest."
            error={fieldError?.field === "offset" ? fieldError.message : undefined}
          >
            {(aria) => (
              <input
                {...aria}
                inputMode="numeric"
                value={fields.offset}
                onChange={(e) => set({ offset: e.target.value })}
              />
            )}
          </Field>
        )}
        <Field id="reset-topic" label="Topics">
          {(aria) => (
            <select {...aria} value={fields.topic} onChange={(e) => set({ topic: e.target.value })}>
              <option value="">Every topic the group committed</option>
              {props.topics.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? "Previewing…" : "Preview"}
        </button>
      </form>
      {error && (
        <p className="callout callout-bad" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p className="callout" role="status">
          Offsets of {count(done)} reset.
        </p>
      )}
      {preview && (
        <>
          <ScrollRegion label="Offset reset preview">
            <table aria-label="Offset reset preview">
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col" className="num">
                    Now
                  </th>
                  <th scope="col" className="num">
                    After
                  </th>
                  <th scope="col" className="num">
                    Change
                  </th>
                </tr>
              </thead>
              <tbody>
                {preview.partitions.map((p) => (
                  <tr key={`${p.topic}/${p.partition}`}>
                    <td>
                      {p.topic}-{p.partition}
                    </td>
                    <td className="num">{p.before < 0 ? "none" : p.before}</td>
                    <td className="num">{p.after}</td>
                    <td className="num">
                      {p.before < 0
                        ? "—"
                        : p.after - p.before > 0
                          ? `+${p.after - p.before}`
                          : p.after - p.before}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          {active && (
            <p className="muted">
              The group is {props.state}: stop its consumers first, a reset runs only while it has no member.
            </p>
          )}
          <ConfirmButton
            label={`Reset ${count(preview)}`}
            title={`Reset the offsets of ${props.group}?`}
            body={`The group's consumers will start from the new offsets of ${count(preview)}. This cannot be undone, but another reset can move them again.`}
            confirmLabel="Reset offsets"
            disabled={busy}
            action={execute}
          />
        </>
      )}
    </div>
  );
}
