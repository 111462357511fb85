// Start-up step (after the SQL migrations): every stored secret ends sealed under the current key. A value in
// clear (written before sealing existed) is sealed; one under an old key (CIRRUS_SECRETS_OLD_KEYS) is opened and
// sealed again under the current one. Each row is updated only if it still holds what was read (a compare-and-set),
// so replicas starting together, or a start racing a request, never overwrite each other; running it again
// changes nothing. A row that does not open (unknown key, tampered) is left as it is and reported: the clusters
// it belongs to answer CREDENTIAL_UNREADABLE, the rest of the control plane runs.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { controlPlaneKafkaCredentials } from "../db/schema.ts";
import { controlPlaneCredentialAad } from "../services/control-plane-kafka-credential.ts";
import { isSealed, type SecretBox, SecretBoxError } from "./secret-box.ts";

export interface UnreadableSecret {
  table: string;
  /** The row's identity (a cluster id for control_plane_kafka_credentials). */
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
  if (!box.needsReseal(stored)) return undefined;
  return { value: box.seal(box.open(stored, aad), aad), kind: "resealed" };
}

export async function sealStoredSecrets(db: Db, box: SecretBox): Promise<SealReport> {
  const report: SealReport = { sealed: 0, resealed: 0, unreadable: [] };
  const rows = await db
    .select({
      clusterId: controlPlaneKafkaCredentials.clusterId,
      secret: controlPlaneKafkaCredentials.secret,
    })
    .from(controlPlaneKafkaCredentials);
  for (const row of rows) {
    let next: ReturnType<typeof resealed>;
    try {
      // A sealed value names its key in clear: whether it needs work is known before opening (MALFORMED aside).
      next = resealed(box, row.secret, controlPlaneCredentialAad(row.clusterId));
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      report.unreadable.push({
        table: "control_plane_kafka_credentials",
        id: row.clusterId,
        reason: `${error.code}: ${error.message}`,
      });
      continue;
    }
    if (!next) continue;
    const changed = await db
      .update(controlPlaneKafkaCredentials)
      .set({ secret: next.value })
      .where(
        and(
          eq(controlPlaneKafkaCredentials.clusterId, row.clusterId),
          eq(controlPlaneKafkaCredentials.secret, row.secret),
        ),
      )
      .returning({ clusterId: controlPlaneKafkaCredentials.clusterId });
    if (changed.length > 0) report[next.kind]++;
  }
  return report;
}
