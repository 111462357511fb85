import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "./api/problem.ts";

export interface Polled<T> {
  data: T | undefined;
  /** The last load's error; the last good data stays shown beside it. */
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` now and every `intervalMs` (0: once) while the page shows, and again when `deps` change.
 * Answers that arrive after a newer load started are dropped, so a slow answer never overwrites a newer one.
 * While `enabled` is false nothing loads (a live stream serves the page; this is its fallback). A change of
 * `intervalMs` or `enabled` loads again but keeps what is shown; a change of `deps` clears it.
 */
export function usePolled<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
  enabled = true,
): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  const shownFor = useRef<unknown>(undefined);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++generation.current;
    loadRef
      .current()
      .then((value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (mine === generation.current) setError(messageOf(failure));
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
    // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  }, deps);

  useEffect(() => {
    if (shownFor.current !== run) {
      // Other deps: what is shown belongs to something else.
      shownFor.current = run;
      setData(undefined);
      setError(undefined);
    }
    if (!enabled) {
      generation.current++;
      setLoading(false);
      return;
    }
    setLoading(true);
    run();
    if (intervalMs <= 0) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") run();
    }, intervalMs);
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [run, intervalMs, enabled]);

  return { data, error, loading, reload: run };
}
