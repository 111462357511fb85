import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type {
  Cluster,
  ClusterSpec,
  ClusterState,
  Condition,
  CreateClusterRequest,
  UpdateClusterRequest,
} from "../api-schemas/clusters.ts";
import { hashSecret, newId, newSecret, TokenPrefix } from "../auth/token-secrets.ts";
import { assertProviderCredentials } from "../controllers/provisioner/provider-registry.ts";
import type { Db, DbOrTx } from "../db/database.ts";
import { clusters, operations } from "../db/schema.ts";
import { inTransaction, isUniqueViolation } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { validateCloudSettings } from "./cluster-cloud-settings.ts";
import { validateWatermarks } from "./cluster-watermarks.ts";
import { createOperation, type Operation, OperationStatus } from "./operations.ts";

/**
 * Operation types the cluster API creates. The provisioner controller (src/controllers/provisioner/)
 * registers handlers for create and update; cluster-deletion.ts handles delete.
 */
export const ClusterOperation = {
  CREATE: "cluster.create",
  UPDATE: "cluster.update",
  DELETE: "cluster.delete",
} as const;

type Row = typeof clusters.$inferSelect;

export function toCluster(row: Row): Cluster {
  return {
    id: row.id,
    name: row.name,
    spec: row.spec as ClusterSpec,
    state: row.state as ClusterState,
    conditions: row.conditions as Condition[],
    version: row.version,
    deletionProtection: row.deletionProtection,
    bootstrap: row.bootstrap,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function validateSpec(spec: ClusterSpec): void {
  if (spec.brokers.min > spec.brokers.max) {
    throw new ApiError("INVALID_REQUEST", "spec.brokers.min must not exceed spec.brokers.max");
  }
  validateWatermarks(spec);
  validateCloudSettings(spec);
}

export async function getCluster(db: DbOrTx, id: string): Promise<Cluster> {
  const [row] = await db.select().from(clusters).where(eq(clusters.id, id));
  if (!row) throw new ApiError("NOT_FOUND", `cluster ${id} not found`);
  return toCluster(row);
}

/** Newest first; keyset pagination on (createdAt, id). */
export async function listClusters(
  db: Db,
  limit: number,
  after?: { createdAt: number; id: string },
): Promise<Cluster[]> {
  const rows = await db
    .select()
    .from(clusters)
    .where(
      after
        ? or(
            lt(clusters.createdAt, after.createdAt),
            and(eq(clusters.createdAt, after.createdAt), lt(clusters.id, after.id)),
          )
        : undefined,
    )
    .orderBy(desc(clusters.createdAt), desc(clusters.id))
    .limit(limit);
  return rows.map(toCluster);
}

export interface CreateClusterOptions {
  /**
   * Throws unless the control plane has credentials for the spec's cloud. Default: the provisioner's
   * check on this process's environment (assertProviderCredentials: CREDENTIALS_MISSING naming what is
   * missing).
   */
  checkCredentials?: (spec: ClusterSpec) => Promise<void>;
}

/**
 * Inserts the cluster in CREATING with a `cluster.create` operation, in one transaction. The broker
 * credential is returned here only (for brokers run by hand); the provisioner rotates it. An aws or
 * aliyun cluster this control plane has no credentials for is refused first (ProvisioningError
 * CREDENTIALS_MISSING), before anything is stored: it could be neither created nor deleted.
 */
export async function createCluster(
  db: Db,
  request: CreateClusterRequest,
  createdBy: string | null,
  options: CreateClusterOptions = {},
): Promise<{ cluster: Cluster; operation: Operation; brokerToken: string }> {
  validateSpec(request.spec);
  await (options.checkCredentials ?? assertProviderCredentials)(request.spec);
  const brokerToken = newSecret(TokenPrefix.BROKER);
  const now = Date.now();
  try {
    return await inTransaction(db, async (tx) => {
      const [row] = await tx
        .insert(clusters)
        .values({
          id: newId(),
          name: request.name,
          spec: request.spec,
          state: "CREATING",
          conditions: [condition("Ready", "False", "Creating", "the cluster is being provisioned", now)],
          deletionProtection: request.deletionProtection ?? true,
          brokerTokenHash: hashSecret(brokerToken),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const operation = await createOperation(tx, {
        type: ClusterOperation.CREATE,
        clusterId: row!.id,
        input: { spec: request.spec },
        createdBy,
      });
      return { cluster: toCluster(row!), operation, brokerToken };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError("ALREADY_EXISTS", `a cluster named ${request.name} exists`);
    throw error;
  }
}

/**
 * Replaces the cluster's broker credential and returns the new secret (only its hash is stored).
 * The provisioner calls this when it launches brokers, and hands the secret to them; brokers still
 * holding the old one get 401 and must be given the new one.
 */
export async function rotateBrokerToken(db: DbOrTx, clusterId: string): Promise<string> {
  const secret = newSecret(TokenPrefix.BROKER);
  const rows = await db
    .update(clusters)
    .set({ brokerTokenHash: hashSecret(secret), updatedAt: Date.now() })
    .where(eq(clusters.id, clusterId))
    .returning({ id: clusters.id });
  if (rows.length === 0) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
  return secret;
}

/**
 * Optimistic update: `version` must be the current one. A spec change moves the cluster to
 * UPDATING and creates a `cluster.update` operation; a deletionProtection change alone does not.
 */
export async function updateCluster(
  db: Db,
  id: string,
  request: UpdateClusterRequest,
  createdBy: string | null,
): Promise<{ cluster: Cluster; operation: Operation | null }> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx.select().from(clusters).where(eq(clusters.id, id)).for("update");
    if (!row) throw new ApiError("NOT_FOUND", `cluster ${id} not found`);
    if (row.version !== request.version) {
      throw new ApiError(
        "VERSION_MISMATCH",
        `cluster ${id} is at version ${row.version}, not ${request.version}`,
      );
    }
    const current = toCluster(row);
    if (current.state === "DELETING") throw new ApiError("INVALID_STATE", "the cluster is being deleted");
    const changes: Partial<Row> = { version: row.version + 1, updatedAt: Date.now() };
    let operation: Operation | null = null;
    if (request.deletionProtection !== undefined) changes.deletionProtection = request.deletionProtection;
    if (request.spec && JSON.stringify(request.spec) !== JSON.stringify(current.spec)) {
      validateSpec(request.spec);
      if (request.spec.provider !== current.spec.provider || request.spec.region !== current.spec.region) {
        throw new ApiError("INVALID_REQUEST", "provider and region cannot change");
      }
      changes.spec = request.spec;
      changes.state = "UPDATING";
      operation = await createOperation(tx, {
        type: ClusterOperation.UPDATE,
        clusterId: id,
        input: { spec: request.spec, previous: current.spec },
        createdBy,
      });
    }
    const [updated] = await tx.update(clusters).set(changes).where(eq(clusters.id, id)).returning();
    return { cluster: toCluster(updated!), operation };
  });
}

/**
 * Refused while deletion protection is on. Moves the cluster to DELETING with a delete operation. A
 * cluster already DELETING whose delete operation failed (a cloud it could not reach) can be deleted
 * again: a new operation goes on from what is left; while one is still running, INVALID_STATE.
 * `abandon`: what the deletion cannot reach in the cloud is forgotten, and listed in the operation's
 * `leftBehind` (see controllers/provisioner/deprovision.ts).
 */
export async function deleteCluster(
  db: Db,
  id: string,
  purge: boolean,
  createdBy: string | null,
  options: { abandon?: boolean } = {},
): Promise<{ cluster: Cluster; operation: Operation }> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx.select().from(clusters).where(eq(clusters.id, id)).for("update");
    if (!row) throw new ApiError("NOT_FOUND", `cluster ${id} not found`);
    if (row.deletionProtection) {
      throw new ApiError(
        "DELETION_PROTECTED",
        "turn deletionProtection off (PATCH) before deleting this cluster",
      );
    }
    if (row.state === "DELETING") {
      const [running] = await tx
        .select({ id: operations.id })
        .from(operations)
        .where(
          and(
            eq(operations.clusterId, id),
            eq(operations.type, ClusterOperation.DELETE),
            inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
          ),
        );
      if (running) {
        throw new ApiError(
          "INVALID_STATE",
          `the cluster is already being deleted (operation ${running.id}); if it fails, DELETE again`,
        );
      }
    }
    const [updated] = await tx
      .update(clusters)
      .set({ state: "DELETING", version: row.version + 1, updatedAt: Date.now() })
      .where(eq(clusters.id, id))
      .returning();
    const operation = await createOperation(tx, {
      type: ClusterOperation.DELETE,
      clusterId: id,
      input: { purge, abandon: options.abandon === true },
      createdBy,
    });
    return { cluster: toCluster(updated!), operation };
  });
}

export function condition(
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
  at: number,
): Condition {
  return { type, status, reason, message, lastTransitionAt: at };
}

/** The cluster a broker credential belongs to, or undefined. */
export async function clusterIdOfBrokerToken(db: Db, token: string): Promise<string | undefined> {
  const [row] = await db
    .select({ id: clusters.id })
    .from(clusters)
    .where(eq(clusters.brokerTokenHash, hashSecret(token)));
  return row?.id;
}
