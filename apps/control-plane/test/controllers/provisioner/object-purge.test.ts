import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openObjectStore } from "@cirrus/object-store";
import { purgeClusterObjects } from "../../../src/controllers/provisioner/object-purge.ts";
import { objects } from "../../../src/db/schema.ts";
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
