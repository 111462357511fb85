// A cluster's Kafka security state (ACL bindings, SCRAM credentials) in the control plane's database, where
// every broker of the cluster reads it (internal API) and the REST API manages it. Kafka's semantics: creating an
// ACL that exists succeeds; a DeleteAcls filter deletes every binding it matches (acl-rules.ts); SCRAM
// deletions of nothing answer RESOURCE_NOT_FOUND; everything asked in one call is one transaction.

import { randomBytes } from "node:crypto";
import {
  type AclBinding,
  type AclBindingFilter,
  type AlterScramCredentialsRequest,
  type AlterScramCredentialsResponse,
  aclFilterMatches,
  type CreateAclsResponse,
  type DeleteAclsResponse,
  invalidAclReason,
  RESERVED_KAFKA_USERS,
  type ScramCredentialRecord,
  type SecuritySnapshot,
} from "@cirrus/broker-api";
import { SCRAM_HASH_OF, scramCredential } from "@cirrus/kafka-protocol";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/database.ts";
import { controlPlaneKafkaCredentials, counters, kafkaAcls, scramCredentials } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";

type AclRow = typeof kafkaAcls.$inferSelect;

/** Bindings per INSERT: 9 values each, well under PostgreSQL's 65,535 parameters per statement. */
const INSERT_CHUNK = 1_000;

/** The counter that grows with every change of a cluster's ACLs or SCRAM credentials (brokers poll it). */
const versionCounter = (clusterId: string) => `kafka_security:${clusterId}`;

export async function bumpSecurityVersion(tx: DbOrTx, clusterId: string): Promise<void> {
  await tx
    .insert(counters)
    .values({ name: versionCounter(clusterId), next: 1 })
    .onConflictDoUpdate({ target: counters.name, set: { next: sql`${counters.next} + 1` } });
}

/** The version of a cluster's security state: it grows with every change (0: never changed). */
export async function securityVersion(db: DbOrTx, clusterId: string): Promise<number> {
  const [row] = await db
    .select({ next: counters.next })
    .from(counters)
    .where(eq(counters.name, versionCounter(clusterId)));
  return row?.next ?? 0;
}

function bindingOf(row: AclRow): AclBinding {
  return {
    resourceType: row.resourceType as AclBinding["resourceType"],
    resourceName: row.resourceName,
    patternType: row.patternType as AclBinding["patternType"],
    principal: row.principal,
    host: row.host,
    operation: row.operation as AclBinding["operation"],
    permission: row.permission as AclBinding["permission"],
  };
}

/** The cluster's ACL bindings, oldest first. */
export async function listAcls(db: DbOrTx, clusterId: string): Promise<AclBinding[]> {
  const rows = await db
    .select()
    .from(kafkaAcls)
    .where(eq(kafkaAcls.clusterId, clusterId))
    .orderBy(kafkaAcls.id);
  return rows.map(bindingOf);
}

/** The cluster's SCRAM credentials, by user then mechanism. */
export async function listScramCredentials(db: DbOrTx, clusterId: string): Promise<ScramCredentialRecord[]> {
  const rows = await db
    .select()
    .from(scramCredentials)
    .where(eq(scramCredentials.clusterId, clusterId))
    .orderBy(scramCredentials.userName, scramCredentials.mechanism);
  return rows.map((r) => ({
    user: r.userName,
    mechanism: r.mechanism as ScramCredentialRecord["mechanism"],
    iterations: r.iterations,
    salt: r.salt,
    storedKey: r.storedKey,
    serverKey: r.serverKey,
  }));
}

export async function securitySnapshot(db: Db, clusterId: string): Promise<SecuritySnapshot> {
  return inTransaction(db, async (tx) => ({
    version: await securityVersion(tx, clusterId),
    acls: await listAcls(tx, clusterId),
    // The control plane's own credentials (its user, the inter-broker user) last: they win over any stored user
    // of their names.
    scramCredentials: [
      ...(await listScramCredentials(tx, clusterId)),
      ...(await controlPlaneScram(tx, clusterId)),
    ],
  }));
}

async function controlPlaneScram(tx: DbOrTx, clusterId: string): Promise<ScramCredentialRecord[]> {
  const rows = await tx
    .select({ scram: controlPlaneKafkaCredentials.scram })
    .from(controlPlaneKafkaCredentials)
    .where(eq(controlPlaneKafkaCredentials.clusterId, clusterId))
    .orderBy(controlPlaneKafkaCredentials.userName);
  return rows.flatMap((row) => row.scram as ScramCredentialRecord[]);
}

/** Stores each valid binding (one that exists already is a success); the invalid ones get their reason. */
export async function createAcls(db: Db, clusterId: string, acls: AclBinding[]): Promise<CreateAclsResponse> {
  const now = Date.now();
  const results: CreateAclsResponse["results"] = acls.map((acl) => ({ error: invalidAclReason(acl) }));
  const valid = acls.filter((_, i) => results[i]!.error === null);
  if (valid.length === 0) return { results };
  // A statement per INSERT_CHUNK valid bindings, in request order (ids keep it); ones that exist are skipped.
  return inTransaction(db, async (tx) => {
    for (let i = 0; i < valid.length; i += INSERT_CHUNK) {
      await tx
        .insert(kafkaAcls)
        .values(valid.slice(i, i + INSERT_CHUNK).map((acl) => ({ clusterId, ...acl, createdAt: now })))
        .onConflictDoNothing();
    }
    await bumpSecurityVersion(tx, clusterId);
    return { results };
  });
}

/** Deletes, per filter, every binding it matches; a binding matched by two filters is reported by both. */
export async function deleteAcls(
  db: Db,
  clusterId: string,
  filters: AclBindingFilter[],
): Promise<DeleteAclsResponse> {
  return inTransaction(db, async (tx) => {
    const rows = await tx.select().from(kafkaAcls).where(eq(kafkaAcls.clusterId, clusterId)).for("update");
    const doomed = new Set<number>();
    const results: DeleteAclsResponse["results"] = filters.map((filter) => {
      const matched = rows.filter((row) => aclFilterMatches(filter, bindingOf(row)));
      for (const row of matched) doomed.add(row.id);
      return { error: null, deleted: matched.map(bindingOf) };
    });
    if (doomed.size > 0) {
      await tx.delete(kafkaAcls).where(inArray(kafkaAcls.id, [...doomed]));
      await bumpSecurityVersion(tx, clusterId);
    }
    return { results };
  });
}

/** Deletions first, then upsertions (each replaces the user's credential of its mechanism), in one transaction. */
export async function alterScramCredentials(
  db: Db,
  clusterId: string,
  request: AlterScramCredentialsRequest,
): Promise<AlterScramCredentialsResponse> {
  const reserved = [...request.deletions, ...request.upsertions].find((c) =>
    RESERVED_KAFKA_USERS.has(c.user),
  );
  if (reserved) throw new ApiError("FORBIDDEN", `the Kafka user ${reserved.user} is the control plane's own`);
  const now = Date.now();
  return inTransaction(db, async (tx) => {
    const deletions: AlterScramCredentialsResponse["deletions"] = [];
    for (const { user, mechanism } of request.deletions) {
      const gone = await tx
        .delete(scramCredentials)
        .where(
          and(
            eq(scramCredentials.clusterId, clusterId),
            eq(scramCredentials.userName, user),
            eq(scramCredentials.mechanism, mechanism),
          ),
        )
        .returning({ user: scramCredentials.userName });
      deletions.push({ error: gone.length === 0 ? "RESOURCE_NOT_FOUND" : null });
    }
    for (const c of request.upsertions) {
      const row = {
        iterations: c.iterations,
        salt: c.salt,
        storedKey: c.storedKey,
        serverKey: c.serverKey,
        updatedAt: now,
      };
      await tx
        .insert(scramCredentials)
        .values({ clusterId, userName: c.user, mechanism: c.mechanism, ...row })
        .onConflictDoUpdate({
          target: [scramCredentials.clusterId, scramCredentials.userName, scramCredentials.mechanism],
          set: row,
        });
    }
    if (request.upsertions.length > 0 || deletions.some((d) => d.error === null))
      await bumpSecurityVersion(tx, clusterId);
    return { deletions };
  });
}

/** RFC 5802's server-side credential for a password: a fresh salt, Hi(password), StoredKey and ServerKey. */
export function scramCredentialOf(
  user: string,
  password: string,
  mechanism: ScramCredentialRecord["mechanism"],
  iterations: number,
): ScramCredentialRecord {
  const credential = scramCredential(password, randomBytes(24), iterations, SCRAM_HASH_OF[mechanism]);
  return {
    user,
    mechanism,
    iterations,
    salt: credential.salt.toString("base64"),
    storedKey: credential.storedKey.toString("base64"),
    serverKey: credential.serverKey.toString("base64"),
  };
}

export interface KafkaUserView {
  name: string;
  credentials: { mechanism: ScramCredentialRecord["mechanism"]; iterations: number }[];
}

/** The cluster's SCRAM users with their mechanisms (no key material). */
export async function listKafkaUsers(db: DbOrTx, clusterId: string): Promise<KafkaUserView[]> {
  const users = new Map<string, KafkaUserView>();
  for (const c of await listScramCredentials(db, clusterId)) {
    // A row under a reserved name (stored before the name was reserved) is shadowed on brokers: not a user.
    if (RESERVED_KAFKA_USERS.has(c.user)) continue;
    const user = users.get(c.user) ?? { name: c.user, credentials: [] };
    user.credentials.push({ mechanism: c.mechanism, iterations: c.iterations });
    users.set(c.user, user);
  }
  return [...users.values()];
}

/** Deletes every credential of a user; false when it had none. */
export async function deleteKafkaUser(db: Db, clusterId: string, user: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const gone = await tx
      .delete(scramCredentials)
      .where(and(eq(scramCredentials.clusterId, clusterId), eq(scramCredentials.userName, user)))
      .returning({ user: scramCredentials.userName });
    if (gone.length > 0) await bumpSecurityVersion(tx, clusterId);
    return gone.length > 0;
  });
}
