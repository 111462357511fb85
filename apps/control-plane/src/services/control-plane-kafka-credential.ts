// The control plane's own Kafka credentials for a cluster, one per reserved user: CONTROL_PLANE_KAFKA_USER (its
// calls to brokers) and INTER_BROKER_KAFKA_USER (brokers' calls to each other). Each is a random secret generated
// once (the first time a broker reads the cluster's security snapshot or the credential is asked for), stored
// with the SCRAM credentials brokers verify it with, and handed to brokers in every security snapshot. Brokers
// treat both principals as super users. A SCRAM client needs the secret itself (or its salted form, as
// sensitive), so it cannot be hashed: it is stored sealed (secrets/secret-box.ts, AES-256-GCM under the control
// plane's secrets key, bound to the row), so a dump of the database alone logs in nowhere. The control plane's
// secret never leaves it; the inter-broker secret goes to the cluster's brokers only (over their token), and
// brokers get salt, iterations, StoredKey and ServerKey of both.
import { randomBytes } from "node:crypto";
import { CONTROL_PLANE_KAFKA_USER, INTER_BROKER_KAFKA_USER } from "@cirrus/broker-api";
import { and, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/database.ts";
import { controlPlaneKafkaCredentials } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { secretBoxOf } from "../secrets/database-secret-box.ts";
import { isSealed, rowAad, SecretBoxError } from "../secrets/secret-box.ts";
import { bumpSecurityVersion, scramCredentialOf } from "./cluster-security.ts";

/** Kafka's minimum for SCRAM: the secret is 256 random bits, so iterations add nothing but latency. */
const ITERATIONS = 4096;

export interface ControlPlaneKafkaCredential {
  readonly user: string;
  readonly password: string;
}

/** A user whose credential only the control plane makes. */
export type OwnKafkaUser = typeof CONTROL_PLANE_KAFKA_USER | typeof INTER_BROKER_KAFKA_USER;
export const OWN_KAFKA_USERS: readonly OwnKafkaUser[] = [CONTROL_PLANE_KAFKA_USER, INTER_BROKER_KAFKA_USER];

/**
 * The additional authenticated data of a sealed secret: this table, the cluster's id and (for any user but the
 * control plane's, whose rows were sealed before the table held other users) the user.
 */
export function controlPlaneCredentialAad(
  clusterId: string,
  user: string = CONTROL_PLANE_KAFKA_USER,
): string {
  return user === CONTROL_PLANE_KAFKA_USER
    ? rowAad("control_plane_kafka_credentials", clusterId)
    : rowAad("control_plane_kafka_credentials", clusterId, user);
}

// A row never changes once written (a cluster's id is never reused), so a process may keep what it read: one
// object per cluster and user, which the SCRAM client keeps its salted password by (one PBKDF2 each, not per call).
const known = new Map<string, ControlPlaneKafkaCredential>();
const knownKey = (clusterId: string, user: OwnKafkaUser) => `${clusterId}\u0000${user}`;

async function storedSecret(tx: DbOrTx, clusterId: string, user: OwnKafkaUser): Promise<string | undefined> {
  const [row] = await tx
    .select({ secret: controlPlaneKafkaCredentials.secret })
    .from(controlPlaneKafkaCredentials)
    .where(
      and(
        eq(controlPlaneKafkaCredentials.clusterId, clusterId),
        eq(controlPlaneKafkaCredentials.userName, user),
      ),
    );
  return row?.secret;
}

/** Creates every reserved user's credential the cluster has not yet (see ensureOwnKafkaCredential). */
export async function ensureControlPlaneKafkaCredential(db: Db, clusterId: string): Promise<void> {
  for (const user of OWN_KAFKA_USERS) await ensureOwnKafkaCredential(db, clusterId, user);
}

/**
 * Creates the cluster's credential of `user` (once, whoever races) when it has none; the secret, when this call
 * made it. Reads nothing sealed: a broker's security snapshot works even while the stored secret cannot be opened.
 */
export async function ensureOwnKafkaCredential(
  db: Db,
  clusterId: string,
  user: OwnKafkaUser,
): Promise<string | undefined> {
  if (known.has(knownKey(clusterId, user)) || (await storedSecret(db, clusterId, user)) !== undefined)
    return undefined;
  const box = secretBoxOf(db);
  return inTransaction(db, async (tx) => {
    const fresh = randomBytes(32).toString("base64url");
    const scram = (["SCRAM-SHA-256", "SCRAM-SHA-512"] as const).map((m) =>
      scramCredentialOf(user, fresh, m, ITERATIONS),
    );
    const sealed = box.seal(fresh, controlPlaneCredentialAad(clusterId, user));
    const inserted = await tx
      .insert(controlPlaneKafkaCredentials)
      .values({ clusterId, userName: user, secret: sealed, scram, createdAt: Date.now() })
      .onConflictDoNothing()
      .returning({ clusterId: controlPlaneKafkaCredentials.clusterId });
    if (inserted.length === 0) return undefined;
    await bumpSecurityVersion(tx, clusterId);
    return fresh;
  });
}

/**
 * The cluster's control-plane credential, generated when it has none. A stored secret that does not open (a
 * wrong or missing secrets key, a tampered or copied row) is a 503 CREDENTIAL_UNREADABLE naming the cluster:
 * never a new credential in its place, and no other cluster is affected.
 */
export function controlPlaneKafkaCredential(db: Db, clusterId: string): Promise<ControlPlaneKafkaCredential> {
  return ownKafkaCredential(db, clusterId, CONTROL_PLANE_KAFKA_USER);
}

/** The cluster's inter-broker credential (what its brokers log in to each other with), as controlPlaneKafkaCredential. */
export function interBrokerKafkaCredential(db: Db, clusterId: string): Promise<ControlPlaneKafkaCredential> {
  return ownKafkaCredential(db, clusterId, INTER_BROKER_KAFKA_USER);
}

async function ownKafkaCredential(
  db: Db,
  clusterId: string,
  user: OwnKafkaUser,
): Promise<ControlPlaneKafkaCredential> {
  const cached = known.get(knownKey(clusterId, user));
  if (cached) return cached;
  const secret =
    (await ensureOwnKafkaCredential(db, clusterId, user)) ??
    openStoredSecret(db, clusterId, user, await storedSecret(db, clusterId, user));
  const credential = { user, password: secret };
  known.set(knownKey(clusterId, user), credential);
  return credential;
}

function openStoredSecret(db: Db, clusterId: string, user: OwnKafkaUser, stored: string | undefined): string {
  if (stored === undefined) throw new Error(`no Kafka credential of ${user} for cluster ${clusterId}`);
  // Written in clear by a control plane from before sealing; the next start seals it (secrets/seal-stored-secrets.ts).
  if (!isSealed(stored)) return stored;
  try {
    return secretBoxOf(db).open(stored, controlPlaneCredentialAad(clusterId, user));
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new ApiError(
      "CREDENTIAL_UNREADABLE",
      `cluster ${clusterId}: the control plane's stored Kafka credential of ${user} cannot be opened (${error.code}: ` +
        `${error.message}); configure the key it was sealed with (CIRRUS_SECRETS_KEY or CIRRUS_SECRETS_OLD_KEYS)`,
      { cause: error },
    );
  }
}
