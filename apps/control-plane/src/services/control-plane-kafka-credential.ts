// The control plane's own Kafka credential for a cluster: user CONTROL_PLANE_KAFKA_USER with a random secret
// generated once (the first time a broker reads the cluster's security snapshot or the control plane calls a
// broker), stored with the SCRAM credentials brokers verify it with, and handed to brokers in every security
// snapshot. Brokers treat its principal as a super user. The secret is kept in clear in the control plane's
// database because a SCRAM client needs it (or its salted form, which is as sensitive) to answer challenges;
// it never leaves the control plane: brokers get salt, iterations, StoredKey and ServerKey only.
import { randomBytes } from "node:crypto";
import { CONTROL_PLANE_KAFKA_USER } from "@cirrus/broker-api";
import { eq } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/database.ts";
import { controlPlaneKafkaCredentials } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { bumpSecurityVersion, scramCredentialOf } from "./cluster-security.ts";

/** Kafka's minimum for SCRAM: the secret is 256 random bits, so iterations add nothing but latency. */
const ITERATIONS = 4096;

export interface ControlPlaneKafkaCredential {
  readonly user: string;
  readonly password: string;
}

// The row never changes once written (a cluster's id is never reused), so a process may keep what it read: one
// object per cluster, which the SCRAM client keeps its salted password by (one PBKDF2 per cluster, not per call).
const known = new Map<string, ControlPlaneKafkaCredential>();

/** The cluster's control-plane credential, generated (once, whoever races) when it has none. */
export async function controlPlaneKafkaCredential(
  db: Db,
  clusterId: string,
): Promise<ControlPlaneKafkaCredential> {
  const cached = known.get(clusterId);
  if (cached) return cached;
  const read = async (tx: DbOrTx) => {
    const [row] = await tx
      .select({ secret: controlPlaneKafkaCredentials.secret })
      .from(controlPlaneKafkaCredentials)
      .where(eq(controlPlaneKafkaCredentials.clusterId, clusterId));
    return row?.secret;
  };
  let secret = await read(db);
  if (secret === undefined) {
    secret = await inTransaction(db, async (tx) => {
      const fresh = randomBytes(32).toString("base64url");
      const scram = (["SCRAM-SHA-256", "SCRAM-SHA-512"] as const).map((m) =>
        scramCredentialOf(CONTROL_PLANE_KAFKA_USER, fresh, m, ITERATIONS),
      );
      const inserted = await tx
        .insert(controlPlaneKafkaCredentials)
        .values({ clusterId, secret: fresh, scram, createdAt: Date.now() })
        .onConflictDoNothing()
        .returning({ secret: controlPlaneKafkaCredentials.secret });
      if (inserted.length > 0) await bumpSecurityVersion(tx, clusterId);
      return inserted[0]?.secret ?? (await read(tx));
    });
  }
  if (secret === undefined) throw new Error(`no control-plane Kafka credential for cluster ${clusterId}`);
  const credential = { user: CONTROL_PLANE_KAFKA_USER, password: secret };
  known.set(clusterId, credential);
  return credential;
}
