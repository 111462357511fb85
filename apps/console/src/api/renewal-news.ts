// What one tab tells the others of this browser about a renewal of its token, sealed so that only a tab holding
// that token can read it. BroadcastChannel reaches every page of this origin in the browser profile, whatever
// session it holds (another user's, in another tab: sessionStorage is per tab): the old token, still good while
// the renewal runs, and the new secret must not be handed to them. A message names the token by a hash of it
// and carries the new secret encrypted (AES-GCM) with a key derived from the old one.

/** A renewal's news as it travels on the channel: no secret in the clear. */
export type RenewalNews =
  | { kind: "renewing"; tag: string }
  | { kind: "renewed"; tag: string; iv: string; sealed: string }
  | { kind: "renew-failed"; tag: string };

/** WebCrypto, where the page has it (a secure context: https, or localhost); without it the tabs keep apart. */
export const subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle;

const text = new TextEncoder();
const b64 = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const digest = (purpose: string, token: string) =>
  (subtle as SubtleCrypto).digest("SHA-256", text.encode(`cirrus.session.${purpose}:${token}`));

/** The name a message gives `token`: a hash, which tells the tabs holding it and no one else. */
export async function tokenTag(token: string): Promise<string> {
  return b64(await digest("tag", token));
}

async function keyOf(token: string, usage: KeyUsage): Promise<CryptoKey> {
  return (subtle as SubtleCrypto).importKey("raw", await digest("key", token), "AES-GCM", false, [usage]);
}

/** The news that `old` was renewed to `next`, `next` readable only with `old`. */
export async function sealRenewed(old: string, next: string): Promise<RenewalNews> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await (subtle as SubtleCrypto).encrypt(
    { name: "AES-GCM", iv },
    await keyOf(old, "encrypt"),
    text.encode(next),
  );
  return { kind: "renewed", tag: await tokenTag(old), iv: b64(iv), sealed: b64(sealed) };
}

/** The new secret of a "renewed" news, opened with the old token; rejects when it was sealed with another. */
export async function openRenewed(news: { iv: string; sealed: string }, old: string): Promise<string> {
  const plain = await (subtle as SubtleCrypto).decrypt(
    { name: "AES-GCM", iv: unb64(news.iv) },
    await keyOf(old, "decrypt"),
    unb64(news.sealed),
  );
  return new TextDecoder().decode(plain);
}
