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

/** The renewal in flight, if any (see `duringRenewal`). */
let renewal: Promise<unknown> | undefined;

/**
 * Runs `renew` (which ends by swapping the session's token) as the session's renewal. The server revokes the old
 * token as it answers, so its open streams' 401 may arrive before the answer does: such a refusal waits for the
 * renewal (`endsSessionOnceSettled`) instead of ending the session.
 */
export async function duringRenewal<T>(renew: () => Promise<T>): Promise<T> {
  const running = renew();
  renewal = running;
  try {
    return await running;
  } finally {
    if (renewal === running) renewal = undefined;
  }
}

/** `refusalEndsSession`, judged once a renewal in flight has settled (succeeded or failed). */
export async function endsSessionOnceSettled(usedToken: string | null): Promise<boolean> {
  await renewal?.catch(() => {});
  return refusalEndsSession(usedToken);
}
