// The API token of this browser tab: in memory, mirrored in sessionStorage so a reload keeps the session
// (and closing the tab ends it). Never put in a URL, never in localStorage.
import { openRenewed, type RenewalNews, sealRenewed, subtle, tokenTag } from "./renewal-news.ts";

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

/** Whether a renewal of this session's token, here or in another tab, is in flight: a 401 met now waits for it. */
export function renewalPending(): boolean {
  return renewal !== undefined;
}

/** Another tab's renewal is waited for at most this long (that tab may close before its answer comes). */
export const REMOTE_RENEWAL_WAIT_MS = 20_000;

/**
 * The tabs' channel (renewal-news.ts). Other tabs signed in with the same token (two tabs, or one opened from
 * another, each keep their own sessionStorage) would otherwise be signed out by the revocation of the old secret:
 * they wait for the renewal as this tab does, then move to the new one. Absent without BroadcastChannel or
 * WebCrypto (old browsers, a page not in a secure context): tabs on their own.
 */
const channel: BroadcastChannel | undefined =
  typeof BroadcastChannel === "function" && subtle ? new BroadcastChannel("cirrus.session") : undefined;
// Node (the unit tests) would stay alive for an open channel; a browser has no such method.
(channel as { unref?: () => void } | undefined)?.unref?.();

/** The tag (renewal-news.ts) of this tab's token, once computed: news of other tokens is ignored at once. */
let ownTag: { token: string; tag: string } | undefined;
if (channel) {
  const tagToken = () => {
    const held = token;
    if (held === null || ownTag?.token === held) return;
    void tokenTag(held).then((tag) => {
      if (token === held) ownTag = { token: held, tag };
    });
  };
  tagToken();
  listeners.add(tagToken);
}

/** The end of another tab's renewal of our token: its news settles the wait, or the time runs out. */
let remoteSettle: (() => void) | undefined;

if (channel) {
  // One news at a time, in the order sent: a tag still being computed must not let a later news overtake.
  let incoming: Promise<void> = Promise.resolve();
  channel.onmessage = (event: MessageEvent<RenewalNews>) => {
    incoming = incoming.then(() => heard(event.data)).catch(() => {});
  };
}

/** Another tab's news of a renewal: of our token (by its tag) it moves this tab along; of any other, nothing. */
async function heard(news: RenewalNews): Promise<void> {
  const held = token;
  if (held === null) return;
  const tag = ownTag?.token === held ? ownTag.tag : await tokenTag(held);
  if (news?.tag !== tag || token !== held) return;
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
  const settle = remoteSettle;
  try {
    // Not sealed with our token (a forged tag): nothing moves, the wait ends as if the renewal failed.
    if (news.kind === "renewed") {
      const next = await openRenewed(news, held).catch(() => undefined);
      if (next !== undefined && token === held) setToken(next);
    }
  } finally {
    settle?.();
  }
}

/**
 * Renews the session's token: `renew` asks the API and resolves with the new secret, which becomes the session's
 * (here and in the other tabs signed in with the old one). The server revokes the old token as it answers, so
 * its open streams' 401 may arrive before the answer does: such a refusal waits for the renewal
 * (`endsSessionOnceSettled`) instead of ending the session.
 */
export async function duringRenewal<T extends { secret: string }>(renew: () => Promise<T>): Promise<T> {
  const old = token;
  // In order on the channel: "renewing" before its outcome, whatever the hashing takes.
  let told: Promise<void> = Promise.resolve();
  const tell = (news: () => Promise<RenewalNews>) => {
    if (!channel || old === null) return;
    told = told.then(news).then(
      (made) => channel.postMessage(made),
      () => {},
    );
  };
  tell(async () => ({ kind: "renewing", tag: await tokenTag(old as string) }));
  // The swap is part of what is waited for: a refusal judged once `running` settles sees the new token.
  const running = renew().then((made) => {
    setToken(made.secret);
    return made;
  });
  renewal = running;
  try {
    const made = await running;
    tell(() => sealRenewed(old as string, made.secret));
    await told;
    return made;
  } catch (failure) {
    tell(async () => ({ kind: "renew-failed", tag: await tokenTag(old as string) }));
    await told;
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
