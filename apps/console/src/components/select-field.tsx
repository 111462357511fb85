import type { ReactNode } from "react";
import { Field } from "./field.tsx";

/** A choice: its value shown as it is, or a [value, label] pair. */
export type SelectOption<T extends string> = T | readonly [T, string];

/** A labelled select over fixed choices; `onChange` gets the chosen value typed as the choices are. */
export function SelectField<T extends string>(props: {
  id: string;
  label: string;
  hint?: ReactNode;
  /** A refusal of this field (shown under it, and the select marked invalid). */
  error?: string | undefined;
  value: T;
  onChange: (value: T) => void;
  options: readonly SelectOption<T>[];
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(aria) => (
        <select {...aria} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
          {props.options.map((option) => {
            const [value, label] = typeof option === "string" ? [option, option] : option;
            return (
              <option key={value} value={value}>
                {label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}
