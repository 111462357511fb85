// SASL/SCRAM (RFC 5802, RFC 7677) from the client's side, over SaslHandshake v1 + SaslAuthenticate v1 on a
// KafkaClientConnection: what the control plane's calls to brokers use when a broker requires SASL.
// `authenticateIfRequired` asks the broker which mechanisms it offers (a broker without SASL offers none and is
// used as it is), picks the strongest SCRAM mechanism both sides have, and authenticates; a refusal, a broker
// that offers SASL but no SCRAM mechanism, or a server signature that does not match (a broker that does not
// know the credential) is a SaslAuthenticationError and the connection is closed.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ApiKey } from "../api-keys.ts";
import { ErrorCode, errorName } from "../error-codes.ts";
import {
  clientKeyOf,
  credentialFromSaltedPassword,
  encodeSaslName,
  SCRAM_HASH_OF,
  type ScramHash,
  type ScramMechanismName,
  saltedPasswordOf,
  scramAttributes,
  scramHmac,
  xorBytes,
} from "../sasl/scram.ts";
import type { KafkaClientConnection } from "./kafka-client-connection.ts";

export type ScramClientMechanism = ScramMechanismName;

export interface ScramClientCredential {
  readonly user: string;
  readonly password: string;
}

export class SaslAuthenticationError extends Error {
  override readonly name = "SaslAuthenticationError";
}

/** Strongest first. */
const PREFERENCE: readonly ScramClientMechanism[] = ["SCRAM-SHA-512", "SCRAM-SHA-256"];

// PBKDF2 is the costly part of a login (about 4 ms of the event loop at 4096 iterations of SHA-512) and depends
// only on the password, hash, salt and iterations, which a credential's verifiers keep across logins: it is
// kept per credential object, so a caller that logs in again with the same object (the control plane, one
// object per cluster) derives it once. A few entries per credential, so a broker answering fresh salts cannot
// make it grow.
const MAX_SALTED_PER_CREDENTIAL = 4;
const saltedPasswords = new WeakMap<ScramClientCredential, Map<string, Buffer>>();

function saltedPassword(
  credential: ScramClientCredential,
  hash: ScramHash,
  salt: Buffer,
  iterations: number,
): Buffer {
  const key = `${hash} ${iterations} ${salt.toString("base64")}`;
  let known = saltedPasswords.get(credential);
  const cached = known?.get(key);
  if (cached) return cached;
  const salted = saltedPasswordOf(credential.password, salt, iterations, hash);
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
  const hash = SCRAM_HASH_OF[mechanism];
  const clientNonce = randomBytes(24).toString("base64");
  const clientFirstBare = `n=${encodeSaslName(credential.user)},r=${clientNonce}`;
  const first = await connection.request(
    ApiKey.SaslAuthenticate,
    1,
    { authBytes: Buffer.from(`n,,${clientFirstBare}`) },
    timeoutMs,
  );
  if (first.errorCode !== ErrorCode.NONE)
    return fail(`SCRAM ${credential.user}: ${first.errorMessage ?? errorName(first.errorCode)}`);
  const serverFirst = Buffer.from(first.authBytes).toString("utf8");
  const server = scramAttributes(serverFirst);
  const nonce = server.get("r");
  const salt = server.get("s");
  const iterations = Number(server.get("i"));
  if (!nonce?.startsWith(clientNonce) || !salt || !Number.isInteger(iterations) || iterations < 1)
    return fail(`SCRAM ${credential.user}: unexpected server-first message`);
  const saltBytes = Buffer.from(salt, "base64");
  const salted = saltedPassword(credential, hash, saltBytes, iterations);
  const { storedKey, serverKey } = credentialFromSaltedPassword(salted, saltBytes, iterations, hash);
  const clientFinalWithoutProof = `c=${Buffer.from("n,,").toString("base64")},r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const proof = xorBytes(clientKeyOf(hash, salted), scramHmac(hash, storedKey, authMessage));
  const final = await connection.request(
    ApiKey.SaslAuthenticate,
    1,
    { authBytes: Buffer.from(`${clientFinalWithoutProof},p=${proof.toString("base64")}`) },
    timeoutMs,
  );
  if (final.errorCode !== ErrorCode.NONE)
    return fail(`SCRAM ${credential.user}: ${final.errorMessage ?? errorName(final.errorCode)}`);
  // The server proves it knows the credential too (a broker that does not would be a man in the middle).
  const expected = scramHmac(hash, serverKey, authMessage);
  const verifier = scramAttributes(Buffer.from(final.authBytes).toString("utf8")).get("v");
  const got = verifier ? Buffer.from(verifier, "base64") : Buffer.alloc(0);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    return fail(`SCRAM ${credential.user}: the broker's server signature does not match`);
  return mechanism;
}
