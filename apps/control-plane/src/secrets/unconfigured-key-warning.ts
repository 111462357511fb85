// A control plane whose clusters run on a cloud but whose secrets key was not configured (it uses the key file
// generated beside its embedded database, or an in-memory one): the sealing then protects a dump of the database
// but not a copy of its disk, which holds both. Said at every start, so the operator moves the key apart
// (CIRRUS_SECRETS_KEY or _FILE; the file's key stays readable as an old key). Not a refusal: the clusters exist
// and must keep being managed.
import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "../db/database.ts";
import type { SecretKeySource } from "./secret-keys.ts";

/** The warning to log at start, or undefined when the key is configured or every cluster is local. */
export async function unconfiguredKeyWarning(db: Db, source: SecretKeySource): Promise<string | undefined> {
  if (source === "configured") return undefined;
  const [row] = rowsOf<{ n: number | string }>(
    await db.execute(sql`select count(*) as n from clusters where spec->>'provider' <> 'local'`),
  );
  const clusters = Number(row?.n ?? 0);
  if (clusters === 0) return undefined;
  return (
    `${clusters} cluster(s) run on a cloud, and the secrets key sealing their control-plane Kafka credentials is ` +
    `${source === "key-file" ? "the key file beside the database" : "in memory only"}: set CIRRUS_SECRETS_KEY or ` +
    "CIRRUS_SECRETS_KEY_FILE to a key kept apart from the database (a secret manager, a mounted file)"
  );
}
