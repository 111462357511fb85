// Envelope for the secrets the control plane must keep usable (it logs in with them), stored in its database:
// AES-256-GCM with a random 96-bit IV per value, under a key the database never holds. A sealed value reads
//   sealed:v1:<key id>:<iv>:<ciphertext>:<tag>        (base64url parts)
// The key id is derived from the key (so an operator names keys by giving them, nothing else), and a value
// sealed under an old key still opens while that key is configured (rotation). The caller binds each value to
// the row it belongs to (additional authenticated data: table and row identity), so a ciphertext copied to
// another row, or another table, does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const FORMAT = "sealed";
const VERSION = "v1";
const PREFIX = `${FORMAT}:${VERSION}:`;
/** AES-256: 32-byte keys. */
export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const SecretBoxErrorCode = {
  /** Not a sealed value of a version this code reads. */
  MALFORMED: "SECRET_MALFORMED",
  /** Sealed under a key that is not configured (a wrong or missing CIRRUS_SECRETS_KEY / _OLD_KEYS). */
  UNKNOWN_KEY: "SECRET_KEY_UNKNOWN",
  /** The tag does not verify: the value was altered, or copied from another row (AAD mismatch). */
  TAMPERED: "SECRET_TAMPERED",
} as const;
export type SecretBoxErrorCode = (typeof SecretBoxErrorCode)[keyof typeof SecretBoxErrorCode];

export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
  readonly retriable = false;
  readonly code: SecretBoxErrorCode;
  constructor(code: SecretBoxErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The id a key is named by in sealed values: 16 hex digits of a hash of it (reveals nothing usable). */
export function secretKeyId(key: Buffer): string {
  return createHash("sha256").update("cirrus secrets key id\0").update(key).digest("hex").slice(0, 16);
}

/** Whether a stored value is sealed (else it is a value written in clear before encryption existed). */
export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The row a value belongs to, as additional authenticated data: `table` and the row's identity. */
export function rowAad(table: string, ...identity: string[]): string {
  return JSON.stringify([table, ...identity]);
}

export class SecretBox {
  readonly #current: { id: string; key: Buffer };
  readonly #keys: ReadonlyMap<string, Buffer>;

  /** `current` seals every new value; `current` and `old` open. Each key is SECRET_KEY_BYTES long. */
  constructor(current: Buffer, old: readonly Buffer[] = []) {
    for (const key of [current, ...old]) {
      if (key.length !== SECRET_KEY_BYTES) {
        throw new RangeError(`a secrets key is ${SECRET_KEY_BYTES} bytes, not ${key.length}`);
      }
    }
    this.#current = { id: secretKeyId(current), key: Buffer.from(current) };
    this.#keys = new Map([...old, current].map((k) => [secretKeyId(k), Buffer.from(k)]));
  }

  /** A box with a fresh random key that lives as long as this object (an in-memory database's). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(SECRET_KEY_BYTES));
  }

  /** Id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  /** Ids of every key that opens values (current first). */
  get keyIds(): string[] {
    return [this.#current.id, ...[...this.#keys.keys()].filter((id) => id !== this.#current.id)];
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const header = `${PREFIX}${this.#current.id}:`;
    const cipher = createCipheriv("aes-256-gcm", this.#current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header + aad, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString("base64url"));
    return header + parts.join(":");
  }

  /** The key id a sealed value names (MALFORMED if it is not one). */
  keyIdOf(sealed: string): string {
    return this.#parse(sealed).keyId;
  }

  /** Whether a sealed value is under an old key (re-seal it with the current one). */
  needsReseal(sealed: string): boolean {
    return this.keyIdOf(sealed) !== this.#current.id;
  }

  /** The plaintext; throws SecretBoxError (MALFORMED, UNKNOWN_KEY, TAMPERED), never returns garbage. */
  open(sealed: string, aad: string): string {
    const { keyId, iv, ciphertext, tag } = this.#parse(sealed);
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        SecretBoxErrorCode.UNKNOWN_KEY,
        `sealed under key ${keyId}, which is not configured (configured: ${this.keyIds.join(", ")})`,
      );
    }
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${PREFIX}${keyId}:${aad}`, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretBoxError(
        SecretBoxErrorCode.TAMPERED,
        `sealed value under key ${keyId} does not verify: altered, or copied from another row`,
      );
    }
  }

  #parse(sealed: string): { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
    const malformed = () =>
      new SecretBoxError(SecretBoxErrorCode.MALFORMED, `not a ${FORMAT}:${VERSION} value`);
    if (!isSealed(sealed)) throw malformed();
    const fields = sealed.slice(PREFIX.length).split(":");
    if (fields.length !== 4) throw malformed();
    const [keyId, iv, ciphertext, tag] = fields as [string, string, string, string];
    const b64 = /^[A-Za-z0-9_-]*$/;
    if (!/^[0-9a-f]{16}$/.test(keyId) || ![iv, ciphertext, tag].every((p) => b64.test(p))) throw malformed();
    const parsed = {
      keyId,
      iv: Buffer.from(iv, "base64url"),
      ciphertext: Buffer.from(ciphertext, "base64url"),
      tag: Buffer.from(tag, "base64url"),
    };
    if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) throw malformed();
    return parsed;
  }
}
