// s3stream's own ObjectManager contract suite (written by its owners, run by MemoryObjectManager there),
// run here against the database-backed implementation: both sides hold the same contract.
import { randomUUID } from "node:crypto";
import { after, before, describe } from "node:test";
import { objectManagerContract } from "../../../../libs/s3stream/test/object-manager-contract.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../helpers/test-database.ts";

for (const backend of testBackends()) {
  describe(`s3stream contract on ${backend}`, { timeout: 120_000 }, () => {
    let testDb: TestDatabase;
    before(async () => {
      testDb = await createTestDatabase(backend);
    });
    after(() => testDb.drop());
    objectManagerContract(`DbObjectManager on ${backend}`, async () => {
      let now = 1_000_000;
      return {
        manager: new DbObjectManager({ db: testDb.database.db, clusterId: randomUUID(), now: () => now }),
        advanceClock: (ms) => {
          now += ms;
        },
      };
    });
  });
}
