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

export function setToken(next: string | null): void {
  token = next;
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
