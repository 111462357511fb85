import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openObjectStore } from "@cirrus/object-store";
import { purgeClusterObjects } from "../../../src/controllers/provisioner/object-purge.ts";
import { objects, streams } from "../../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { localSpec } from "./provisioner-kit.ts";

let dir: string;
let testDb: TestDatabase;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cirrus-purge-"));
  testDb = await createTestDatabase("pglite");
});
after(async () => {
  await testDb.drop();
  await rm(dir, { recursive: true, force: true });
});

test("purge deletes exactly the cluster's objects from a store it shares with another cluster", async () => {
  const uri = `file://${join(dir, "objects")}`;
  const spec = localSpec({ objectStore: { uri } });
  const rows = [
    { id: 7, clusterId: "a", state: "COMMITTED" },
    { id: 8, clusterId: "a", state: "PREPARED" },
    { id: 9, clusterId: "b", state: "COMMITTED" },
  ];
  await testDb.database.db.insert(objects).values(rows.map((r) => ({ ...r, preparedUntil: 0 })));
  const store = openObjectStore(uri);
  for (const key of ["s3stream/001/7", "s3stream/002/8", "s3stream/003/9", "s3stream/004/70"]) {
    await store.put(key, Buffer.from(key));
  }
  assert.equal(await purgeClusterObjects(testDb.database.db, "a", spec), 2);
  const left = (await store.list("")).map((o) => o.key).sort();
  assert.deepEqual(left, ["s3stream/003/9", "s3stream/004/70"]);
  assert.equal(await purgeClusterObjects(testDb.database.db, "a", spec), 0, "idempotent");
  assert.equal(await purgeClusterObjects(testDb.database.db, "nobody", spec), 0);
  await store.close();
});

test("purge deletes the checkpoints of the cluster's streams (live and deleted), not another cluster's", async () => {
  const uri = `file://${join(dir, "checkpoint-objects")}`;
  const spec = localSpec({ objectStore: { uri } });
  const db = testDb.database.db;
  const ids = await db
    .insert(streams)
    .values([{ clusterId: "c" }, { clusterId: "c", deleted: true }, { clusterId: "d" }])
    .returning({ id: streams.id });
  const [live, deleted, other] = ids.map((r) => r.id);
  await db.insert(objects).values({ id: 100, clusterId: "c", state: "COMMITTED", preparedUntil: 0 });
  const store = openObjectStore(uri);
  // As the broker writes them (apps/broker/src/partitions/checkpoint-store.ts: checkpointKey).
  const checkpoint = (stream: number, offset: number) =>
    `checkpoints/${stream}/${String(offset).padStart(20, "0")}`;
  const ours = [checkpoint(live!, 0), checkpoint(live!, 4096), checkpoint(deleted!, 17), "s3stream/064/100"];
  const theirs = [checkpoint(other!, 0), `checkpoints/${live}0/${"0".repeat(20)}`, "unrelated/100"];
  for (const key of [...ours, ...theirs]) await store.put(key, Buffer.from(key));
  assert.equal(await purgeClusterObjects(db, "c", spec), ours.length);
  assert.deepEqual((await store.list("")).map((o) => o.key).sort(), [...theirs].sort());
  assert.equal(await purgeClusterObjects(db, "c", spec), 0, "idempotent");
  await store.close();
});
