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
