import { useEffect, useId, useRef, useState } from "react";
import { messageOf } from "../api/problem.ts";

/**
 * A button that asks first (a modal <dialog>: Escape cancels, focus moves into it), then runs `action` and
 * shows its error in the dialog instead of closing.
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  body: string;
  confirmLabel: string;
  action: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const titleId = useId();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.action();
      setOpen(false);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className={props.danger ? "danger" : ""}
        disabled={props.disabled}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setOpen(false)}>
        <h2 id={titleId}>{props.title}</h2>
        <p>{props.body}</p>
        {error && (
          <p className="callout callout-bad" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => setOpen(false)} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className={props.danger ? "danger" : "primary"}
            onClick={confirm}
            disabled={busy}
          >
            {busy ? "Working…" : props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
