// SASL/SCRAM (RFC 5802, RFC 7677) from the client's side, over SaslHandshake v1 + SaslAuthenticate v1 on a
// KafkaClientConnection: what the control plane's calls to brokers use when a broker requires SASL.
// `authenticateIfRequired` asks the broker which mechanisms it offers (a broker without SASL offers none and is
// used as it is), picks the strongest SCRAM mechanism both sides have, and authenticates; a refusal, a broker
// that offers SASL but no SCRAM mechanism, or a server signature that does not match (a broker that does not
// know the credential) is a SaslAuthenticationError and the connection is closed.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { ApiKey } from "../api-keys.ts";
import { ErrorCode, errorName } from "../error-codes.ts";
import type { KafkaClientConnection } from "./kafka-client-connection.ts";

export type ScramClientMechanism = "SCRAM-SHA-512" | "SCRAM-SHA-256";

export interface ScramClientCredential {
  readonly user: string;
  readonly password: string;
}

export class SaslAuthenticationError extends Error {
  override readonly name = "SaslAuthenticationError";
}

const HASHES = { "SCRAM-SHA-256": ["sha256", 32], "SCRAM-SHA-512": ["sha512", 64] } as const;
/** Strongest first. */
const PREFERENCE: readonly ScramClientMechanism[] = ["SCRAM-SHA-512", "SCRAM-SHA-256"];

/** RFC 5802 saslname: ',' and '=' escaped. */
const saslName = (user: string) => user.replaceAll("=", "=3D").replaceAll(",", "=2C");

function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

// PBKDF2 is the costly part of a login (about 4 ms of the event loop at 4096 iterations of SHA-512) and depends
// only on the password, mechanism, salt and iterations, which a credential's verifiers keep across logins: it is
// kept per credential object, so a caller that logs in again with the same object (the control plane, one
// object per cluster) derives it once. A few entries per credential, so a broker answering fresh salts cannot
// make it grow.
const MAX_SALTED_PER_CREDENTIAL = 4;
const saltedPasswords = new WeakMap<ScramClientCredential, Map<string, Buffer>>();

function saltedPassword(
  credential: ScramClientCredential,
  mechanism: ScramClientMechanism,
  salt: string,
  iterations: number,
): Buffer {
  const key = `${mechanism} ${iterations} ${salt}`;
  let known = saltedPasswords.get(credential);
  const cached = known?.get(key);
  if (cached) return cached;
  const [hash, length] = HASHES[mechanism];
  const salted = pbkdf2Sync(
    Buffer.from(credential.password.normalize("NFKC"), "utf8"),
    Buffer.from(salt, "base64"),
    iterations,
    length,
    hash,
  );
  if (!known || known.size >= MAX_SALTED_PER_CREDENTIAL) {
    known = new Map();
    saltedPasswords.set(credential, known);
  }
  known.set(key, salted);
  return salted;
}

/**
 * Authenticates the connection with `credential` when the broker requires SASL; returns the mechanism used, or
 * null when the broker offers no SASL mechanism. Throws SaslAuthenticationError (after closing the
 * connection) when authentication fails, KafkaConnectionError when the connection does.
 */
export async function authenticateIfRequired(
  connection: KafkaClientConnection,
  credential: ScramClientCredential,
  timeoutMs: number,
): Promise<ScramClientMechanism | null> {
  const fail = (message: string): never => {
    connection.close();
    throw new SaslAuthenticationError(message);
  };
  // Ask for the strongest mechanism: a broker that has it answers NONE, one that has not lists what it has
  // (and stays in its initial SASL state, so a second handshake is allowed).
  let mechanism: ScramClientMechanism = PREFERENCE[0]!;
  let handshake = await connection.request(ApiKey.SaslHandshake, 1, { mechanism }, timeoutMs);
  if (handshake.errorCode !== ErrorCode.NONE) {
    if (handshake.mechanisms.length === 0) return null;
    const offered = PREFERENCE.find((m) => handshake.mechanisms.includes(m));
    if (!offered) return fail(`the broker offers no SCRAM mechanism (${handshake.mechanisms.join(", ")})`);
    mechanism = offered;
    handshake = await connection.request(ApiKey.SaslHandshake, 1, { mechanism }, timeoutMs);
    if (handshake.errorCode !== ErrorCode.NONE)
      return fail(`SaslHandshake ${mechanism}: ${errorName(handshake.errorCode)}`);
  }
  const [hash] = HASHES[mechanism];
  const clientNonce = randomBytes(24).toString("base64");
  const clientFirstBare = `n=${saslName(credential.user)},r=${clientNonce}`;
  const first = await connection.request(
    ApiKey.SaslAuthenticate,
    1,
    { authBytes: Buffer.from(`n,,${clientFirstBare}`) },
    timeoutMs,
  );
  if (first.errorCode !== ErrorCode.NONE)
    return fail(`SCRAM ${credential.user}: ${first.errorMessage ?? errorName(first.errorCode)}`);
  const serverFirst = Buffer.from(first.authBytes).toString("utf8");
  const server = attributes(serverFirst);
  const nonce = server.get("r");
  const salt = server.get("s");
  const iterations = Number(server.get("i"));
  if (!nonce?.startsWith(clientNonce) || !salt || !Number.isInteger(iterations) || iterations < 1)
    return fail(`SCRAM ${credential.user}: unexpected server-first message`);
  const salted = saltedPassword(credential, mechanism, salt, iterations);
  const clientKey = createHmac(hash, salted).update("Client Key").digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const clientFinalWithoutProof = `c=${Buffer.from("n,,").toString("base64")},r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const signature = createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
  const final = await connection.request(
    ApiKey.SaslAuthenticate,
    1,
    { authBytes: Buffer.from(`${clientFinalWithoutProof},p=${proof.toString("base64")}`) },
    timeoutMs,
  );
  if (final.errorCode !== ErrorCode.NONE)
    return fail(`SCRAM ${credential.user}: ${final.errorMessage ?? errorName(final.errorCode)}`);
  // The server proves it knows the credential too (a broker that does not would be a man in the middle).
  const serverKey = createHmac(hash, salted).update("Server Key").digest();
  const expected = createHmac(hash, serverKey).update(authMessage).digest();
  const verifier = attributes(Buffer.from(final.authBytes).toString("utf8")).get("v");
  const got = verifier ? Buffer.from(verifier, "base64") : Buffer.alloc(0);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    return fail(`SCRAM ${credential.user}: the broker's server signature does not match`);
  return mechanism;
}
