import { useEffect, useState } from "react";
import type { StreamEvent } from "./api/event-stream.ts";
import { readEvents, streamProblem } from "./api/event-stream.ts";
import { ApiProblem, messageOf, signOutFor } from "./api/problem.ts";
import { currentToken, endsSessionOnceSettled } from "./api/session.ts";
import type { Polled } from "./use-polled.ts";

/** The server's `retry:` for our streams: how long to wait before opening a stream again. */
const RECONNECT_MS = 2_000;
/** Three of the server's default heartbeats (15 s) missed: the connection is dead though nothing said so. */
const IDLE_MS = 45_000;

/**
 * State kept live by a Server-Sent Events stream: `open` starts it (the caller's typed API call, with the
 * token), each event goes through `reduce`. A stream that ends, fails or goes silent for 45 s (no heartbeat) is
 * opened again after 2 s (its first
 * event brings the state back), unless `finished(state)` says there is nothing more to wait for; the last state
 * stays shown beside the error meanwhile. An `error` event (the server's problem before it ends the stream) is
 * shown as the error; a 401 one (the token was revoked) signs out. Closed when the page goes or `deps` change.
 */
export function useLive<T>(
  open: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>,
  reduce: (state: T | undefined, event: StreamEvent) => T | undefined,
  deps: readonly unknown[],
  finished: (state: T | undefined) => boolean = () => false,
): Polled<T> & { live: boolean } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [live, setLive] = useState(false);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `deps` name what the stream depends on; a retry bumps `attempt`.
  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    let state: T | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setData(undefined);
    setError(undefined);
    const run = async () => {
      while (!signal.aborted) {
        const openedWith = currentToken();
        try {
          const body = await open(signal);
          setLive(true);
          setError(undefined);
          await readEvents(
            body,
            (event) => {
              // The server's last word before it ends the stream (e.g. the token was revoked).
              const problem = streamProblem(event);
              if (problem) throw problem;
              state = reduce(state, event);
              setData(state);
            },
            signal,
            IDLE_MS,
          );
          if (finished(state)) return;
        } catch (failure) {
          if (signal.aborted) return;
          // A token revoked or expired while its stream was open ends the session, as a 401 answer does; unless
          // the session has moved to a renewed token meanwhile: then the stream opens again at once with it.
          if (failure instanceof ApiProblem && failure.problem.status === 401) {
            if (await endsSessionOnceSettled(openedWith)) {
              signOutFor(failure.problem);
              return;
            }
            if (signal.aborted) return;
            if (currentToken() !== null && currentToken() !== openedWith) continue;
          }
          setError(messageOf(failure));
        } finally {
          setLive(false);
        }
        if (signal.aborted) return;
        await new Promise<void>((resolve) => {
          timer = setTimeout(resolve, RECONNECT_MS);
        });
      }
    };
    void run();
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [...deps, attempt]);

  return {
    data,
    error,
    loading: data === undefined && error === undefined,
    live,
    reload: () => setAttempt((n) => n + 1),
  };
}
