// SASL/SCRAM's arithmetic and message syntax (RFC 5802, RFC 7677), once for every side that needs it: the
// client (client/scram-client.ts), the broker's server exchange and its AlterUserScramCredentials, and the
// control plane's credential store. No I/O: node:crypto only.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

export type ScramMechanismName = "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** The hash of a SCRAM mechanism: SCRAM-SHA-256 → sha256, SCRAM-SHA-512 → sha512. */
export type ScramHash = "sha256" | "sha512";
export const SCRAM_HASH_OF: Readonly<Record<ScramMechanismName, ScramHash>> = {
  "SCRAM-SHA-256": "sha256",
  "SCRAM-SHA-512": "sha512",
};
/** The length of the hash's output, which is also the length of SaltedPassword. */
export const SCRAM_HASH_BYTES: Readonly<Record<ScramHash, number>> = { sha256: 32, sha512: 64 };

/** Kafka's minimum (and default) iteration count. */
export const SCRAM_ITERATIONS = 4096;

/** What a server keeps of a password: the salt, the iteration count, StoredKey and ServerKey. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export const scramHmac = (hash: ScramHash, key: Buffer, data: string | Buffer): Buffer =>
  createHmac(hash, key).update(data).digest();
export const scramDigest = (hash: ScramHash, data: Buffer): Buffer => createHash(hash).update(data).digest();

/** SaltedPassword = Hi(Normalize(password), salt, iterations) (NFKC stands in for SASLprep). */
export function saltedPasswordOf(
  password: string,
  salt: Buffer,
  iterations: number,
  hash: ScramHash,
): Buffer {
  return pbkdf2Sync(
    Buffer.from(password.normalize("NFKC"), "utf8"),
    salt,
    iterations,
    SCRAM_HASH_BYTES[hash],
    hash,
  );
}

/** ClientKey = HMAC(SaltedPassword, "Client Key"). */
export const clientKeyOf = (hash: ScramHash, saltedPassword: Buffer): Buffer =>
  scramHmac(hash, saltedPassword, "Client Key");

/** RFC 5802's StoredKey and ServerKey from SaltedPassword. */
export function credentialFromSaltedPassword(
  saltedPassword: Buffer,
  salt: Buffer,
  iterations: number,
  hash: ScramHash = "sha256",
): ScramCredential {
  return {
    salt,
    iterations,
    storedKey: scramDigest(hash, clientKeyOf(hash, saltedPassword)),
    serverKey: scramHmac(hash, saltedPassword, "Server Key"),
  };
}

/** The server's credential for a password (a fresh 16-byte salt unless given). */
export function scramCredential(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
  hash: ScramHash = "sha256",
): ScramCredential {
  return credentialFromSaltedPassword(
    saltedPasswordOf(password, salt, iterations, hash),
    salt,
    iterations,
    hash,
  );
}

/**
 * a XOR b, byte by byte, over a's length (b at least as long): ClientProof = ClientKey XOR ClientSignature, and
 * the server gets ClientKey back the same way.
 */
export function xorBytes(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Parses a SCRAM message's "k=v,k=v" attributes (one-letter names; values may contain '='). */
export function scramAttributes(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(",")) {
    if (part.length < 2 || part[1] !== "=") continue;
    map.set(part[0]!, part.slice(2));
  }
  return map;
}

/** RFC 5802 saslname: ',' and '=' escaped. */
export const encodeSaslName = (user: string): string => user.replaceAll("=", "=3D").replaceAll(",", "=2C");

/** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed (null). */
export function decodeSaslName(name: string): string | null {
  if (/=(?!2C|3D)/.test(name)) return null;
  return name.replaceAll("=2C", ",").replaceAll("=3D", "=");
}
