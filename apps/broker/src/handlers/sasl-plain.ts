// SASL PLAIN (RFC 4616): one message "[authzid] NUL authcid NUL passwd", checked against the configured
// users in constant time (per comparison) so a wrong password takes as long as a right one.
import { createHash, timingSafeEqual } from "node:crypto";

export type SaslOutcome =
  | { readonly ok: true; readonly user: string }
  | { readonly ok: false; readonly reason: string };

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function verifyPlain(authBytes: Buffer, users: ReadonlyMap<string, string>): SaslOutcome {
  const parts = authBytes.toString("utf8").split("\u0000");
  if (parts.length !== 3) return { ok: false, reason: "malformed PLAIN message" };
  const [authzid, user, password] = parts as [string, string, string];
  if (user.length === 0) return { ok: false, reason: "empty user name" };
  if (authzid !== "" && authzid !== user) return { ok: false, reason: "authorization id differs from user" };
  const expected = users.get(user);
  // Compare against something even for unknown users: the timing must not reveal who exists.
  const match = timingSafeEqual(digest(password), digest(expected ?? `\u0000${password}`));
  if (expected === undefined || !match) return { ok: false, reason: "Invalid username or password" };
  return { ok: true, user };
}
