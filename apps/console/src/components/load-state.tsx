import type { ReactNode } from "react";

/**
 * What a page shows before and around its data: a spinner while the first load runs, the error with a retry
 * while there is nothing to show, and the `empty` hint (what to do next) when the data is empty: by `isEmpty`, or,
 * when only `empty` is given, when the data is a list with nothing in it. `next` is offered beside the error (a way
 * on when retrying cannot help, e.g. back to the list when the thing asked for is gone).
 */
export function LoadState<T>(props: {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  next?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { data, error, loading } = props;
  const isEmpty =
    props.isEmpty ?? ((d: T) => props.empty !== undefined && Array.isArray(d) && d.length === 0);
  if (data === undefined) {
    if (error)
      return (
        <div className="callout callout-bad" role="alert">
          <p>{error}</p>
          <button type="button" onClick={props.reload}>
            Try again
          </button>
          {props.next && <> {props.next}</>}
        </div>
      );
    if (loading)
      return (
        <p className="loading" aria-live="polite">
          Loading…
        </p>
      );
    return null;
  }
  return (
    <>
      {error && (
        <p className="callout callout-warn" role="status">
          Showing the last data: {error}
        </p>
      )}
      {isEmpty(data) ? <div className="empty">{props.empty}</div> : props.children(data)}
    </>
  );
}
