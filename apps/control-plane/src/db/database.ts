import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import * as schema from "./schema.ts";

/** The drizzle database, whichever driver is under it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle has the same query API. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), "../../../../migrations");

/** Serialises migrations when several replicas start at once on one PostgreSQL. */
const MIGRATION_LOCK_KEY = 0x63697272; // "cirr"

export interface DatabaseOptions {
  /** postgres://… for PostgreSQL; "memory://" for an in-memory PGlite; anything else: a PGlite folder. */
  url: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly db: Db;
  /** PostgreSQL only: the pool (leader election takes a dedicated session from it). */
  readonly pool: pg.Pool | undefined;
  close(): Promise<void>;
}

/** Opens the database and applies every migration in migrations/ (idempotent). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (/^postgres(ql)?:\/\//.test(options.url)) return openPostgres(options);
  return openPglite(options.url);
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  // An idle client that errors (server restart) must not crash the process: the pool replaces it.
  pool.on("error", () => {});
  const db = drizzlePg({ client: pool, schema });
  const session = await pool.connect();
  try {
    await session.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migratePg(drizzlePg({ client: session, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await session.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    session.release();
    await pool.end();
    throw error;
  }
  session.release();
  return { kind: "postgres", db: db as unknown as Db, pool, close: () => pool.end() };
}

async function openPglite(url: string): Promise<Database> {
  let client: PGlite;
  if (url === "memory://") {
    client = new PGlite();
  } else {
    mkdirSync(url, { recursive: true });
    client = new PGlite(url);
  }
  const db = drizzlePglite({ client, schema });
  try {
    await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    await client.close();
    throw error;
  }
  return { kind: "pglite", db: db as unknown as Db, pool: undefined, close: () => client.close() };
}

/** Rows of a raw `db.execute(sql…)`, which both drivers return as `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
