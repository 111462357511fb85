import { createHash, randomBytes, randomUUID } from "node:crypto";

/** Prefixes tell token kinds apart at a glance (and let secret scanners find leaked ones). */
export const TokenPrefix = { API: "cpt_", BROKER: "cbt_" } as const;

/** A new secret: prefix + 32 random bytes, base64url. Only its hash is ever stored. */
export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

/** SHA-256 is enough here: secrets are 256 random bits, so there is nothing to brute-force. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newId(): string {
  return randomUUID();
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  return match?.[1];
}
