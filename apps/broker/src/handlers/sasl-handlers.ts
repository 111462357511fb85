// SaslHandshake v0–1 and SaslAuthenticate v0–2 (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) against the users the
// broker is configured with (config.saslMechanisms, config.saslUsers: CIRRUS_SASL_MECHANISMS,
// CIRRUS_SASL_USERS[_FILE], validated at start-up by src/config.ts) and, for SCRAM, the cluster's users
// (AlterUserScramCredentials, services.security). A configured user wins over a cluster user of the same name:
// the bootstrap admin cannot be locked out through the API. The state
// of each connection's exchange lives here, keyed by its ConnectionInfo; saslAllows() tells the
// dispatcher whether a request may be served on a connection (when SASL is on, only ApiVersions and the
// SASL APIs are, until authentication succeeded). Handshake v0 followed by raw (unframed) SASL tokens is
// not supported: clients use SaslAuthenticate since Kafka 1.0.
// A broker that keeps the cluster's security state (authorizer on, or SASL) also accepts SCRAM logins of
// the control plane's reserved users (RESERVED_KAFKA_USERS: the control plane's and the inter-broker user) on any
// configuration, SASL off or PLAIN only included: that is how brokers and the control plane authenticate to a
// broker as super users. Where SASL is off, logging in stays optional: a client that does not is User:ANONYMOUS.

import { RESERVED_KAFKA_USERS } from "@cirrus/broker-api";
import {
  ApiKey,
  ErrorCode,
  type SaslAuthenticateRequest,
  type SaslHandshakeRequest,
  SCRAM_HASH_OF,
  type ScramCredential,
  scramCredential,
} from "@cirrus/kafka-protocol";
import type { ConnectionInfo } from "../server/connection.ts";
import { groupServicesOf } from "./group-services.ts";
import type { BrokerServices, RequestContext, ResponseOf } from "./handler.ts";
import { verifyPlain } from "./sasl-plain.ts";
import { ScramServer } from "./sasl-scram.ts";

interface SaslSession {
  state: "new" | "handshaken" | "authenticating" | "authenticated" | "failed";
  mechanism: string;
  scram: ScramServer | null;
  user: string | null;
}

const sessions = new WeakMap<ConnectionInfo, SaslSession>();

function sessionOf(connection: ConnectionInfo): SaslSession {
  let session = sessions.get(connection);
  if (!session) {
    session = { state: "new", mechanism: "", scram: null, user: null };
    sessions.set(connection, session);
  }
  return session;
}

type ScramMechanism = "SCRAM-SHA-256" | "SCRAM-SHA-512";
const SCRAM_MECHANISMS: readonly string[] = ["SCRAM-SHA-512", "SCRAM-SHA-256"];

/**
 * Whether the broker accepts `mechanism` at all: configured, or, on a broker that offers clients no SCRAM
 * mechanism, SCRAM for the reserved users (see above). Where SCRAM is offered, the reserved users use what is.
 */
function accepts(services: BrokerServices, mechanism: string): boolean {
  const configured = services.config.saslMechanisms;
  if (configured.includes(mechanism)) return true;
  return (
    services.security !== undefined &&
    SCRAM_MECHANISMS.includes(mechanism) &&
    !configured.some((m) => SCRAM_MECHANISMS.includes(m))
  );
}

function credentialFor(
  services: BrokerServices,
  user: string,
  mechanism: ScramMechanism,
): ScramCredential | undefined {
  // The reserved users' credentials are the control plane's alone (no configured user of their name wins); only
  // they log in with a mechanism clients are not offered.
  if (RESERVED_KAFKA_USERS.has(user)) return services.security?.scramCredential(user, mechanism);
  if (!services.config.saslMechanisms.includes(mechanism)) return undefined;
  const password = services.config.saslUsers.get(user);
  if (password === undefined) return services.security?.scramCredential(user, mechanism);
  const cache = groupServicesOf(services).scramCredentials;
  const key = `${mechanism}\u0000${user}`;
  let credential = cache.get(key);
  if (!credential) {
    credential = scramCredential(password, undefined, undefined, SCRAM_HASH_OF[mechanism]);
    cache.set(key, credential);
  }
  return credential;
}

const ALWAYS_ALLOWED: ReadonlySet<number> = new Set([
  ApiKey.ApiVersions,
  ApiKey.SaslHandshake,
  ApiKey.SaslAuthenticate,
]);

/** Whether `apiKey` may be served on `connection`: always without SASL, else only once authenticated. */
export function saslAllows(services: BrokerServices, connection: ConnectionInfo, apiKey: number): boolean {
  if (services.config.saslMechanisms.length === 0) return true;
  return ALWAYS_ALLOWED.has(apiKey) || sessions.get(connection)?.state === "authenticated";
}

/** Kafka's principal of a connection: `User:<authenticated user>`, or `User:ANONYMOUS` (no SASL). */
export function principalOf(connection: ConnectionInfo): string {
  return `User:${saslUser(connection) ?? "ANONYMOUS"}`;
}

/** The authenticated user of a connection, or null. */
export function saslUser(connection: ConnectionInfo): string | null {
  const session = sessions.get(connection);
  return session?.state === "authenticated" ? session.user : null;
}

export async function handleSaslHandshake(
  request: SaslHandshakeRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.SaslHandshake>> {
  const mechanisms = [...context.services.config.saslMechanisms];
  const session = sessionOf(context.connection);
  if (session.state !== "new") return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
  if (!accepts(context.services, request.mechanism))
    return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
  session.state = "handshaken";
  session.mechanism = request.mechanism;
  return { errorCode: ErrorCode.NONE, mechanisms };
}

export async function handleSaslAuthenticate(
  request: SaslAuthenticateRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.SaslAuthenticate>> {
  const { services } = context;
  const session = sessionOf(context.connection);
  const answer = (errorCode: number, errorMessage: string | null, authBytes: Buffer = Buffer.alloc(0)) => ({
    errorCode,
    errorMessage,
    authBytes,
    sessionLifetimeMs: 0n,
  });
  const fail = (reason: string) => {
    session.state = "failed";
    return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, `Authentication failed: ${reason}`);
  };
  if (session.state !== "handshaken" && session.state !== "authenticating") {
    return answer(
      ErrorCode.ILLEGAL_SASL_STATE,
      `SaslAuthenticate is not expected now (state ${session.state})`,
    );
  }
  const authBytes = request.authBytes ?? Buffer.alloc(0);
  if (session.mechanism === "PLAIN") {
    const outcome = verifyPlain(authBytes, services.config.saslUsers);
    if (!outcome.ok) return fail(outcome.reason);
    session.state = "authenticated";
    session.user = outcome.user;
    return answer(ErrorCode.NONE, null);
  }
  const mechanism = session.mechanism as ScramMechanism;
  session.scram ??= new ScramServer(
    (user) => credentialFor(services, user, mechanism),
    SCRAM_HASH_OF[mechanism],
  );
  const step = session.scram.step(authBytes);
  if (step.kind === "challenge") {
    session.state = "authenticating";
    return answer(ErrorCode.NONE, null, step.message);
  }
  if (!step.outcome.ok) return fail(step.outcome.reason);
  session.state = "authenticated";
  session.user = step.outcome.user;
  return answer(ErrorCode.NONE, null, step.message);
}
