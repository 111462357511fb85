// SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802 / RFC 7677), server side: client-first → server-first (nonce,
// salt, iterations) → client-final (proof) → server-final (signature). Credentials come from a configured
// password (derived once per user) or from the cluster's stored credentials (AlterUserScramCredentials sends the
// salted password, from which only StoredKey and ServerKey are kept). Channel binding is not offered ("n" only).
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import type { SaslOutcome } from "./sasl-plain.ts";

export const SCRAM_ITERATIONS = 4096;

export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** The hash of a SCRAM mechanism: SCRAM-SHA-256 → sha256, SCRAM-SHA-512 → sha512. */
export type ScramHash = "sha256" | "sha512";
export const SCRAM_HASH_BYTES: Readonly<Record<ScramHash, number>> = { sha256: 32, sha512: 64 };
/** The hash of each SCRAM mechanism, by its SASL name. */
export const SCRAM_MECHANISM_HASHES: Readonly<Record<"SCRAM-SHA-256" | "SCRAM-SHA-512", ScramHash>> = {
  "SCRAM-SHA-256": "sha256",
  "SCRAM-SHA-512": "sha512",
};

const hmacOf = (hash: ScramHash, key: Buffer, data: string | Buffer) =>
  createHmac(hash, key).update(data).digest();
const digestOf = (hash: ScramHash, data: Buffer) => createHash(hash).update(data).digest();

/** RFC 5802's StoredKey and ServerKey from SaltedPassword = Hi(password, salt, iterations). */
export function credentialFromSaltedPassword(
  saltedPassword: Buffer,
  salt: Buffer,
  iterations: number,
  hash: ScramHash = "sha256",
): ScramCredential {
  return {
    salt,
    iterations,
    storedKey: digestOf(hash, hmacOf(hash, saltedPassword, "Client Key")),
    serverKey: hmacOf(hash, saltedPassword, "Server Key"),
  };
}

export function scramCredential(
  password: string,
  salt = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
  hash: ScramHash = "sha256",
): ScramCredential {
  const normalized = Buffer.from(password.normalize("NFKC"), "utf8");
  const salted = pbkdf2Sync(normalized, salt, iterations, SCRAM_HASH_BYTES[hash], hash);
  return credentialFromSaltedPassword(salted, salt, iterations, hash);
}

/** Parses "k=v,k=v" attributes (values may contain '='). */
function attributes(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(",")) {
    if (part.length < 2 || part[1] !== "=") continue;
    map.set(part[0]!, part.slice(2));
  }
  return map;
}

/** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed. */
function decodeSaslName(name: string): string | null {
  if (/=(?!2C|3D)/.test(name)) return null;
  return name.replaceAll("=2C", ",").replaceAll("=3D", "=");
}

export type ScramStep =
  | { readonly kind: "challenge"; readonly message: Buffer }
  | { readonly kind: "done"; readonly outcome: SaslOutcome; readonly message: Buffer };

/** One SCRAM exchange (one connection). Each step gets the client's message. */
export class ScramServer {
  readonly #credentials: (user: string) => ScramCredential | undefined;
  readonly #hash: ScramHash;
  #state: "first" | "final" | "done" = "first";
  #user = "";
  #nonce = "";
  #gs2Header = "";
  #clientFirstBare = "";
  #serverFirst = "";
  #credential: ScramCredential | undefined;

  constructor(credentials: (user: string) => ScramCredential | undefined, hash: ScramHash = "sha256") {
    this.#credentials = credentials;
    this.#hash = hash;
  }

  step(message: Buffer): ScramStep {
    if (this.#state === "first") return this.#first(message.toString("utf8"));
    if (this.#state === "final") return this.#final(message.toString("utf8"));
    return this.#fail("exchange already finished");
  }

  #fail(reason: string): ScramStep {
    this.#state = "done";
    return { kind: "done", outcome: { ok: false, reason }, message: Buffer.alloc(0) };
  }

  #first(text: string): ScramStep {
    // gs2-header = cbind-flag "," [authzid] ","
    const firstComma = text.indexOf(",");
    const secondComma = text.indexOf(",", firstComma + 1);
    if (firstComma < 0 || secondComma < 0) return this.#fail("malformed client-first message");
    const flag = text.slice(0, firstComma);
    if (flag !== "n" && flag !== "y") return this.#fail("channel binding is not supported");
    this.#gs2Header = text.slice(0, secondComma + 1);
    this.#clientFirstBare = text.slice(secondComma + 1);
    const attrs = attributes(this.#clientFirstBare);
    const user = decodeSaslName(attrs.get("n") ?? "");
    const clientNonce = attrs.get("r") ?? "";
    if (!user || clientNonce.length === 0 || attrs.has("m"))
      return this.#fail("malformed client-first message");
    const authzid = this.#gs2Header.slice(firstComma + 1, -1);
    if (authzid !== "" && authzid !== `a=${user}`) return this.#fail("authorization id differs from user");
    this.#credential = this.#credentials(user);
    if (!this.#credential) return this.#fail("Invalid username or password");
    this.#user = user;
    this.#nonce = clientNonce + randomBytes(18).toString("base64");
    this.#serverFirst = `r=${this.#nonce},s=${this.#credential.salt.toString("base64")},i=${this.#credential.iterations}`;
    this.#state = "final";
    return { kind: "challenge", message: Buffer.from(this.#serverFirst, "utf8") };
  }

  #final(text: string): ScramStep {
    const proofAt = text.lastIndexOf(",p=");
    if (proofAt < 0) return this.#fail("client-final message without proof");
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(text);
    if (attrs.get("c") !== Buffer.from(this.#gs2Header, "utf8").toString("base64")) {
      return this.#fail("channel binding data does not match");
    }
    if (attrs.get("r") !== this.#nonce) return this.#fail("nonce does not match");
    const proof = Buffer.from(attrs.get("p") ?? "", "base64");
    const credential = this.#credential!;
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const signature = hmacOf(this.#hash, credential.storedKey, authMessage);
    if (proof.length !== signature.length) return this.#fail("Invalid username or password");
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    const derived = digestOf(this.#hash, clientKey);
    if (derived.length !== credential.storedKey.length || !timingSafeEqual(derived, credential.storedKey))
      return this.#fail("Invalid username or password");
    this.#state = "done";
    const serverSignature = hmacOf(this.#hash, credential.serverKey, authMessage).toString("base64");
    return {
      kind: "done",
      outcome: { ok: true, user: this.#user },
      message: Buffer.from(`v=${serverSignature}`, "utf8"),
    };
  }
}
