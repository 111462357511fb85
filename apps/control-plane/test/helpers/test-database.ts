import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "../../src/db/database.ts";

/**
 * The secrets key of control planes on test databases (a PostgreSQL one requires a key: secrets/secret-keys.ts);
 * one constant, so a second control plane on the same database opens what the first sealed.
 */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString("base64");

/** The backends a suite runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testBackends(): ("pglite" | "postgres")[] {
  return process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  database: Database;
  /** The URL it was opened with (another process or replica can open the same one). */
  url: string;
  /** Closes it and drops the per-run PostgreSQL database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database: in-memory PGlite, or a PostgreSQL database of its own (named after
 * this process and a random suffix) so parallel test runs never collide.
 */
export async function createTestDatabase(kind: "pglite" | "postgres"): Promise<TestDatabase> {
  if (kind === "pglite") {
    const database = await openDatabase({ url: "memory://" });
    return { database, url: "memory://", drop: () => database.close() };
  }
  const url = createPostgresDatabaseUrl();
  const name = new URL(url).pathname.slice(1);
  await adminQuery(`create database "${name}"`);
  const database = await openDatabase({ url, poolSize: 8 });
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      await dropPostgresDatabase(name);
    },
  };
}

function createPostgresDatabaseUrl(): string {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  base.pathname = `/cirrus_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  return base.toString();
}

export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = createPostgresDatabaseUrl();
  const name = new URL(url).pathname.slice(1);
  await adminQuery(`create database "${name}"`);
  return { url, drop: () => dropPostgresDatabase(name) };
}

async function dropPostgresDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists "${name}" with (force)`);
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
