import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/database.ts";
import { operations } from "../db/schema.ts";
import {
  assertOperationInput,
  type OperationInput,
  type OperationType,
  stepsOf,
} from "./operation-catalog.ts";

export const OperationStatus = {
  PENDING: "PENDING",
  RUNNING: "RUNNING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
} as const;
export type OperationStatus = (typeof OperationStatus)[keyof typeof OperationStatus];

export interface OperationStep {
  name: string;
  status: OperationStatus;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
}

export interface OperationError {
  code: string;
  message: string;
}

export interface Operation {
  id: string;
  clusterId: string | null;
  type: string;
  status: OperationStatus;
  input: Record<string, unknown>;
  steps: OperationStep[];
  /** Done steps / all steps, 0..1. */
  progress: number;
  error: OperationError | null;
  attempts: number;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

type Row = typeof operations.$inferSelect;

export function toOperation(row: Row): Operation {
  return {
    id: row.id,
    clusterId: row.clusterId,
    type: row.type,
    status: row.status as OperationStatus,
    input: row.input as Record<string, unknown>,
    steps: row.steps as OperationStep[],
    progress: row.progress,
    error: (row.error as OperationError | null) ?? null,
    attempts: row.attempts,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
  };
}

export interface NewOperation<T extends OperationType> {
  type: T;
  clusterId?: string | null;
  input: OperationInput<T>;
  createdBy?: string | null;
}

/**
 * Inserts a PENDING operation (in the caller's transaction, with the change that asked for it). Its steps
 * come from the operation catalog, known up front so that progress means something from the start; an input
 * that does not fit the catalog's schema is a programming error and throws before anything is written.
 */
export async function createOperation<T extends OperationType>(
  db: DbOrTx,
  op: NewOperation<T>,
): Promise<Operation> {
  assertOperationInput(op.type, op.input);
  const steps = stepsOf(op.type);
  const now = Date.now();
  const [row] = await db
    .insert(operations)
    .values({
      id: crypto.randomUUID(),
      clusterId: op.clusterId ?? null,
      type: op.type,
      status: OperationStatus.PENDING,
      input: op.input,
      steps: steps.map((name) => ({
        name,
        status: OperationStatus.PENDING,
        startedAt: null,
        finishedAt: null,
        error: null,
      })),
      createdBy: op.createdBy ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toOperation(row!);
}

export async function getOperation(db: DbOrTx, id: string): Promise<Operation | undefined> {
  const [row] = await db.select().from(operations).where(eq(operations.id, id));
  return row ? toOperation(row) : undefined;
}

/** Newest first; keyset pagination on (createdAt, id). */
export async function listOperations(
  db: DbOrTx,
  filter: { clusterId?: string; status?: OperationStatus },
  limit: number,
  after?: { createdAt: number; id: string },
): Promise<Operation[]> {
  const rows = await db
    .select()
    .from(operations)
    .where(
      and(
        filter.clusterId ? eq(operations.clusterId, filter.clusterId) : undefined,
        filter.status ? eq(operations.status, filter.status) : undefined,
        after
          ? or(
              lt(operations.createdAt, after.createdAt),
              and(eq(operations.createdAt, after.createdAt), lt(operations.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(limit);
  return rows.map(toOperation);
}

/** True while an operation on the cluster has not finished (a scaling, a drain, a rebalance, an update…). */
export async function clusterBusy(db: DbOrTx, clusterId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: operations.id })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, clusterId),
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Unfinished operations of the given types, oldest first: the runner's work queue. */
export async function unfinishedOperations(db: DbOrTx, types: string[]): Promise<Operation[]> {
  if (types.length === 0) return [];
  const rows = await db
    .select()
    .from(operations)
    .where(
      and(
        inArray(operations.type, types),
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    )
    .orderBy(operations.createdAt)
    .limit(100);
  return rows.map(toOperation);
}

/** Saves the runner's view of an operation (status, steps, progress, error). */
export async function saveOperation(db: DbOrTx, op: Operation): Promise<void> {
  await db
    .update(operations)
    .set({
      status: op.status,
      steps: op.steps,
      progress: op.progress,
      error: op.error,
      attempts: op.attempts,
      updatedAt: Date.now(),
      finishedAt: op.finishedAt,
    })
    .where(eq(operations.id, op.id));
}

/**
 * Merges `note` into the operation's input (notes a step leaves for the next, kept across restarts), in the
 * database and in `op`, and bumps `updatedAt` so live views (the operation feed reads rows by `updated_at`)
 * see the change. Every writer of an operation's input goes through here.
 */
export async function saveOperationInputNote(
  db: DbOrTx,
  op: Operation,
  note: Record<string, unknown>,
): Promise<void> {
  const updatedAt = Date.now();
  await db
    .update(operations)
    .set({ input: sql`${operations.input} || ${JSON.stringify(note)}::jsonb`, updatedAt })
    .where(eq(operations.id, op.id));
  op.input = { ...op.input, ...note };
  op.updatedAt = updatedAt;
}
