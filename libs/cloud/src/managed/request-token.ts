import { createHash } from "node:crypto";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * An idempotency token (the clouds' ClientToken, at most 64 ASCII characters) derived from the whole
 * request: the same request retried after a crash or a lost response gets the same token (the cloud
 * returns what the first one made); a request that differs in anything (new user data, new sizes)
 * gets another token, so the cloud never answers IdempotentParameterMismatch, and the resource's
 * unique name (fleet, template) is what stops a second one being made.
 */
export function requestToken(prefix: string, request: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify(canonical(request)))
    .digest("hex");
  return `${prefix}-${digest.slice(0, 40)}`;
}
