import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { AdvisoryLockLeader, SingleProcessLeader } from "../../src/controllers/leader-election.ts";
import { openDatabase } from "../../src/db/database.ts";
import { createTestDatabase } from "../helpers/test-database.ts";

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it("a PGlite process is its own leader", async () => {
  const leader = new SingleProcessLeader();
  const changes: boolean[] = [];
  leader.start((l) => changes.push(l));
  assert.equal(leader.isLeader, true);
  await leader.stop();
  assert.deepEqual(changes, [true]);
  assert.equal(leader.isLeader, false);
});

describe("advisory-lock leader election", {
  skip: !process.env.TEST_DATABASE_URL && "needs TEST_DATABASE_URL (PostgreSQL)",
}, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("elects exactly one of two replicas, and the other takes over when it goes", async () => {
    const testDb = await createTestDatabase("postgres");
    cleanups.push(() => testDb.drop());
    const other = await openDatabase({ url: testDb.url, poolSize: 2 });
    cleanups.push(() => other.close());
    const a = new AdvisoryLockLeader(testDb.database.pool!, { checkMs: 20 });
    const b = new AdvisoryLockLeader(other.pool!, { checkMs: 20 });
    const events: string[] = [];
    a.start((l) => events.push(`a:${l}`));
    await until("a to lead", () => a.isLeader);
    b.start((l) => events.push(`b:${l}`));
    cleanups.push(() => b.stop());
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(b.isLeader, false, "the lock is held: b only serves the API");
    await a.stop();
    await until("b to take over", () => b.isLeader);
    assert.deepEqual(events, ["a:true", "a:false", "b:true"]);
  });

  it("steps down when its database session is killed, so another replica can lead", async () => {
    const testDb = await createTestDatabase("postgres");
    cleanups.push(() => testDb.drop());
    const leader = new AdvisoryLockLeader(testDb.database.pool!, { checkMs: 20 });
    const events: boolean[] = [];
    leader.start((l) => events.push(l));
    cleanups.push(() => leader.stop());
    await until("to lead", () => leader.isLeader);
    const name = new URL(testDb.url).pathname.slice(1);
    await testDb.database.pool!.query(
      "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = $1)",
      [name],
    );
    await until("to step down", () => events.includes(false));
    await until("to lead again on a new session", () => leader.isLeader);
    assert.deepEqual(events, [true, false, true]);
  });
});
