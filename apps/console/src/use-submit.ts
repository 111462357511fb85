import { type FormEvent, useState } from "react";
import { ApiProblem, messageOf } from "./api/problem.ts";

export interface Submit {
  /** True while `action` runs (the submit button says so and is disabled). */
  busy: boolean;
  /** What the last submission threw, until the next one starts. */
  failure: unknown;
  /** The failure for a person: the field's message of a validation problem, else the whole message. */
  error: string | undefined;
  onSubmit: (event: FormEvent) => Promise<void>;
}

/**
 * A form's submission: the browser's own submit prevented, `action` run with `busy` set, what it threw kept for
 * the form to show (a new submission clears it first).
 */
export function useSubmit(action: () => Promise<void>): Submit {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await action();
    } catch (thrown) {
      setFailure(thrown ?? new Error("failed"));
    } finally {
      setBusy(false);
    }
  };
  const error =
    failure === undefined
      ? undefined
      : failure instanceof ApiProblem && failure.field
        ? failure.field.message
        : messageOf(failure);
  return { busy, failure, error, onSubmit };
}
