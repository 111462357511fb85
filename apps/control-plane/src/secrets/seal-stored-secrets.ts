// Start-up step (after the SQL migrations): every stored secret (the control plane's per-cluster Kafka credentials,
// the stored answers of idempotent POSTs) ends sealed under the current key. A value in
// clear (written before sealing existed) is sealed; one under an old key (CIRRUS_SECRETS_OLD_KEYS) is opened and
// sealed again under the current one. Each row is updated only if it still holds what was read (a compare-and-set),
// so replicas starting together, or a start racing a request, never overwrite each other; running it again
// changes nothing. A row that does not open (unknown key, tampered) is left as it is and reported: what reads it
// answers CREDENTIAL_UNREADABLE (that cluster's Kafka calls, that key's replay), the rest of the control plane runs.
import { CONTROL_PLANE_KAFKA_USER } from "@cirrus/broker-api";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { controlPlaneKafkaCredentials, idempotencyKeys } from "../db/schema.ts";
import { idempotencyResponseAad } from "../http/idempotency.ts";
import { controlPlaneCredentialAad } from "../services/control-plane-kafka-credential.ts";
import { isSealed, type SecretBox, SecretBoxError } from "./secret-box.ts";

export interface UnreadableSecret {
  table: string;
  /**
   * The row's identity (for control_plane_kafka_credentials a cluster id, `clusterId/user` for a user other than
   * the control plane's; `tokenId/key` for idempotency_keys).
   */
  id: string;
  reason: string;
}

export interface SealReport {
  /** Rows that were in clear and are now sealed. */
  sealed: number;
  /** Rows that were under an old key and are now under the current one. */
  resealed: number;
  unreadable: UnreadableSecret[];
}

/** What to do with one stored value: its replacement, or why it is left alone (undefined: nothing to do). */
function resealed(
  box: SecretBox,
  stored: string,
  aad: string,
): { value: string; kind: "sealed" | "resealed" } | undefined {
  if (!isSealed(stored)) return { value: box.seal(stored, aad), kind: "sealed" };
  if (!box.needsReseal(stored)) {
    // Opened to check it (a cheap GCM pass): an altered or copied row is reported at start, not at first use.
    box.open(stored, aad);
    return undefined;
  }
  return { value: box.seal(box.open(stored, aad), aad), kind: "resealed" };
}

interface StoredSecret {
  /** The row's identity as reported (cluster id; token id and key). */
  id: string;
  /** The stored value as text (a sealed value, or the clear text to seal). */
  text: string;
  aad: string;
  /** Replaces the value if the row still holds what was read; whether it did. */
  replace(sealed: string): Promise<boolean>;
}

/** Every stored secret, per table. */
async function* storedSecrets(db: Db): AsyncGenerator<StoredSecret & { table: string }> {
  const credentials = await db
    .select({
      clusterId: controlPlaneKafkaCredentials.clusterId,
      userName: controlPlaneKafkaCredentials.userName,
      secret: controlPlaneKafkaCredentials.secret,
    })
    .from(controlPlaneKafkaCredentials);
  for (const row of credentials) {
    yield {
      table: "control_plane_kafka_credentials",
      id: row.userName === CONTROL_PLANE_KAFKA_USER ? row.clusterId : `${row.clusterId}/${row.userName}`,
      text: row.secret,
      aad: controlPlaneCredentialAad(row.clusterId, row.userName),
      replace: async (sealed) =>
        (
          await db
            .update(controlPlaneKafkaCredentials)
            .set({ secret: sealed })
            .where(
              and(
                eq(controlPlaneKafkaCredentials.clusterId, row.clusterId),
                eq(controlPlaneKafkaCredentials.userName, row.userName),
                eq(controlPlaneKafkaCredentials.secret, row.secret),
              ),
            )
            .returning({ clusterId: controlPlaneKafkaCredentials.clusterId })
        ).length > 0,
    };
  }
  // Stored answers of idempotent POSTs: some carry a secret shown once (a new API token, a new cluster's broker
  // token). A running request's row (no answer yet) has nothing to seal.
  const answers = await db
    .select({
      tokenId: idempotencyKeys.tokenId,
      key: idempotencyKeys.key,
      response: idempotencyKeys.response,
    })
    .from(idempotencyKeys)
    .where(isNotNull(idempotencyKeys.response));
  for (const row of answers) {
    const sealed = typeof row.response === "string" && isSealed(row.response);
    yield {
      table: "idempotency_keys",
      id: `${row.tokenId}/${row.key}`,
      text: sealed ? (row.response as string) : JSON.stringify(row.response),
      aad: idempotencyResponseAad(row.tokenId, row.key),
      replace: async (next) =>
        (
          await db
            .update(idempotencyKeys)
            .set({ response: next })
            .where(
              and(
                eq(idempotencyKeys.tokenId, row.tokenId),
                eq(idempotencyKeys.key, row.key),
                sql`${idempotencyKeys.response} = ${JSON.stringify(row.response)}::jsonb`,
              ),
            )
            .returning({ key: idempotencyKeys.key })
        ).length > 0,
    };
  }
}

export async function sealStoredSecrets(db: Db, box: SecretBox): Promise<SealReport> {
  const report: SealReport = { sealed: 0, resealed: 0, unreadable: [] };
  for await (const stored of storedSecrets(db)) {
    let next: ReturnType<typeof resealed>;
    try {
      // A sealed value names its key in clear: whether it needs work is known before opening (MALFORMED aside).
      next = resealed(box, stored.text, stored.aad);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      report.unreadable.push({
        table: stored.table,
        id: stored.id,
        reason: `${error.code}: ${error.message}`,
      });
      continue;
    }
    if (next && (await stored.replace(next.value))) report[next.kind]++;
  }
  return report;
}
