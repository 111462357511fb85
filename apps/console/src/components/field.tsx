import type { ReactNode } from "react";

/** A labelled form field with its hint and its error (from the API), both tied to the input for readers. */
export function Field(props: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (aria: { id: string; "aria-describedby"?: string; "aria-invalid"?: true }) => ReactNode;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : "", props.error ? `${props.id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={`field${props.error ? " has-error" : ""}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children({
        id: props.id,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        ...(props.error ? { "aria-invalid": true as const } : {}),
      })}
      {props.hint && (
        <small id={`${props.id}-hint`} className="hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={`${props.id}-error`} className="field-error">
          {props.error}
        </small>
      )}
    </div>
  );
}
