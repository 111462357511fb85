// The control plane's own Kafka credential for a cluster: user CONTROL_PLANE_KAFKA_USER with a random secret
// generated once (the first time a broker reads the cluster's security snapshot or the control plane calls a
// broker), stored with the SCRAM credentials brokers verify it with, and handed to brokers in every security
// snapshot. Brokers treat its principal as a super user. A SCRAM client needs the secret itself (or its salted
// form, as sensitive), so it cannot be hashed: it is stored sealed (secrets/secret-box.ts, AES-256-GCM under the
// control plane's secrets key, bound to the cluster's row), so a dump of the database alone logs in nowhere. It
// never leaves the control plane: brokers get salt, iterations, StoredKey and ServerKey only.
import { randomBytes } from "node:crypto";
import { CONTROL_PLANE_KAFKA_USER } from "@cirrus/broker-api";
import { eq } from "drizzle-orm";
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

/** The additional authenticated data of a cluster's sealed secret: this table and the cluster's id. */
export function controlPlaneCredentialAad(clusterId: string): string {
  return rowAad("control_plane_kafka_credentials", clusterId);
}

// The row never changes once written (a cluster's id is never reused), so a process may keep what it read: one
// object per cluster, which the SCRAM client keeps its salted password by (one PBKDF2 per cluster, not per call).
const known = new Map<string, ControlPlaneKafkaCredential>();

async function storedSecret(tx: DbOrTx, clusterId: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ secret: controlPlaneKafkaCredentials.secret })
    .from(controlPlaneKafkaCredentials)
    .where(eq(controlPlaneKafkaCredentials.clusterId, clusterId));
  return row?.secret;
}

/**
 * Creates the cluster's credential (once, whoever races) when it has none; the secret, when this call made it.
 * Reads nothing sealed: a broker's security snapshot works even while the stored secret cannot be opened.
 */
export async function ensureControlPlaneKafkaCredential(
  db: Db,
  clusterId: string,
): Promise<string | undefined> {
  if (known.has(clusterId) || (await storedSecret(db, clusterId)) !== undefined) return undefined;
  const box = secretBoxOf(db);
  return inTransaction(db, async (tx) => {
    const fresh = randomBytes(32).toString("base64url");
    const scram = (["SCRAM-SHA-256", "SCRAM-SHA-512"] as const).map((m) =>
      scramCredentialOf(CONTROL_PLANE_KAFKA_USER, fresh, m, ITERATIONS),
    );
    const sealed = box.seal(fresh, controlPlaneCredentialAad(clusterId));
    const inserted = await tx
      .insert(controlPlaneKafkaCredentials)
      .values({ clusterId, secret: sealed, scram, createdAt: Date.now() })
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
export async function controlPlaneKafkaCredential(
  db: Db,
  clusterId: string,
): Promise<ControlPlaneKafkaCredential> {
  const cached = known.get(clusterId);
  if (cached) return cached;
  const secret =
    (await ensureControlPlaneKafkaCredential(db, clusterId)) ??
    openStoredSecret(db, clusterId, await storedSecret(db, clusterId));
  const credential = { user: CONTROL_PLANE_KAFKA_USER, password: secret };
  known.set(clusterId, credential);
  return credential;
}

function openStoredSecret(db: Db, clusterId: string, stored: string | undefined): string {
  if (stored === undefined) throw new Error(`no control-plane Kafka credential for cluster ${clusterId}`);
  // Written in clear by a control plane from before sealing; the next start seals it (secrets/seal-stored-secrets.ts).
  if (!isSealed(stored)) return stored;
  try {
    return secretBoxOf(db).open(stored, controlPlaneCredentialAad(clusterId));
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new ApiError(
      "CREDENTIAL_UNREADABLE",
      `cluster ${clusterId}: the control plane's stored Kafka credential cannot be opened (${error.code}: ` +
        `${error.message}); configure the key it was sealed with (CIRRUS_SECRETS_KEY or CIRRUS_SECRETS_OLD_KEYS)`,
      { cause: error },
    );
  }
}
