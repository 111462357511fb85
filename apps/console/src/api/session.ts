// The API token of this browser tab: in memory, mirrored in sessionStorage so a reload keeps the session
// (and closing the tab ends it). Never put in a URL, never in localStorage.
const KEY = "cirrus.token";

let token: string | null = readStored();
const listeners = new Set<() => void>();

function readStored(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(KEY) ?? null;
  } catch {
    return null; // storage disabled: the token lives in memory only
  }
}

export function currentToken(): string | null {
  return token;
}

/** Why the last session ended by itself (its token expired…), for the login page; null after a sign-in. */
let endedBecause: string | null = null;

export function sessionEndReason(): string | null {
  return endedBecause;
}

/** Sets the token (null: signs out). `reason` says why a session ended without the user asking. */
export function setToken(next: string | null, reason?: string): void {
  token = next;
  endedBecause = next ? null : (reason ?? null);
  try {
    if (next) sessionStorage.setItem(KEY, next);
    else sessionStorage.removeItem(KEY);
  } catch {
    // memory only
  }
  for (const listener of listeners) listener();
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Whether a 401 for a request or stream made with `usedToken` ends this session: only when that token is still
 * the session's. A renewal swaps the token and revokes the old one, so what was in flight with the old one is
 * refused; that says nothing about the new token (a stream is opened again with it instead).
 */
export function refusalEndsSession(usedToken: string | null): boolean {
  return token !== null && usedToken === token;
}

/** The renewal in flight in this tab or another, if any (see `duringRenewal`). */
let renewal: Promise<unknown> | undefined;

/**
 * What a tab says to the others of this browser about a renewal of `token`. Other tabs signed in with the same
 * token (two tabs, or one opened from another, each keep their own sessionStorage) would otherwise be signed out
 * by the revocation of the old secret: they wait for the renewal as this tab does, then move to `next`.
 */
export type RenewalNews =
  | { kind: "renewing"; token: string }
  | { kind: "renewed"; token: string; next: string }
  | { kind: "renew-failed"; token: string };

/** Another tab's renewal is waited for at most this long (that tab may close before its answer comes). */
export const REMOTE_RENEWAL_WAIT_MS = 20_000;

/**
 * The tabs' channel. BroadcastChannel reaches only this origin's pages in this browser profile, which could read
 * the session anyway; the old secret it carries is revoked by then. Absent (old browsers, tests): tabs on their own.
 */
const channel: BroadcastChannel | undefined =
  typeof BroadcastChannel === "function" ? new BroadcastChannel("cirrus.session") : undefined;
// Node (the unit tests) would stay alive for an open channel; a browser has no such method.
(channel as { unref?: () => void } | undefined)?.unref?.();

/** The end of another tab's renewal of our token: its news settles the wait, or the time runs out. */
let remoteSettle: (() => void) | undefined;

if (channel) {
  channel.onmessage = (event: MessageEvent<RenewalNews>) => {
    const news = event.data;
    if (token === null || news.token !== token) return;
    if (news.kind === "renewing") {
      remoteSettle?.();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiting = new Promise<void>((resolve) => {
        remoteSettle = () => {
          clearTimeout(timer);
          remoteSettle = undefined;
          resolve();
        };
        timer = setTimeout(remoteSettle, REMOTE_RENEWAL_WAIT_MS);
      });
      renewal = waiting;
      void waiting.then(() => {
        if (renewal === waiting) renewal = undefined;
      });
      return;
    }
    if (news.kind === "renewed") setToken(news.next);
    remoteSettle?.();
  };
}

/**
 * Renews the session's token: `renew` asks the API and resolves with the new secret, which becomes the session's
 * (here and in the other tabs signed in with the old one). The server revokes the old token as it answers, so
 * its open streams' 401 may arrive before the answer does: such a refusal waits for the renewal
 * (`endsSessionOnceSettled`) instead of ending the session.
 */
export async function duringRenewal<T extends { secret: string }>(renew: () => Promise<T>): Promise<T> {
  const old = token;
  const tell = (news: RenewalNews) => channel?.postMessage(news);
  if (old) tell({ kind: "renewing", token: old });
  // The swap is part of what is waited for: a refusal judged once `running` settles sees the new token.
  const running = renew().then((made) => {
    setToken(made.secret);
    return made;
  });
  renewal = running;
  try {
    const made = await running;
    if (old) tell({ kind: "renewed", token: old, next: made.secret });
    return made;
  } catch (failure) {
    if (old) tell({ kind: "renew-failed", token: old });
    throw failure;
  } finally {
    if (renewal === running) renewal = undefined;
  }
}

/** `refusalEndsSession`, judged once a renewal in flight (here or in another tab) has settled. */
export async function endsSessionOnceSettled(usedToken: string | null): Promise<boolean> {
  await renewal?.catch(() => {});
  return refusalEndsSession(usedToken);
}
