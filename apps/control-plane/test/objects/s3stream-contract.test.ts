// s3stream's own ObjectManager contract suite (written by its owners, run by MemoryObjectManager there),
// run here against the database-backed implementation: both sides hold the same contract. The node
// registry the suite drives is the brokers table, which the commit rules read for node epochs.
import { randomUUID } from "node:crypto";
import { after, before, describe } from "node:test";
import { objectManagerContract } from "../../../../libs/s3stream/test/object-manager-contract.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../helpers/test-database.ts";
import { setBrokerRow } from "./broker-registry-rows.ts";

for (const backend of testBackends()) {
  describe(`s3stream contract on ${backend}`, { timeout: 120_000 }, () => {
    let testDb: TestDatabase;
    before(async () => {
      testDb = await createTestDatabase(backend);
    });
    after(() => testDb.drop());
    objectManagerContract(`DbObjectManager on ${backend}`, async () => {
      let now = 1_000_000;
      const db = testDb.database.db;
      const clusterId = randomUUID();
      return {
        manager: new DbObjectManager({ db, clusterId, now: () => now }),
        advanceClock: (ms) => {
          now += ms;
        },
        nodes: {
          register: (nodeId, epoch) => setBrokerRow(db, clusterId, nodeId, epoch, "ACTIVE"),
          fence: (nodeId, epoch) => setBrokerRow(db, clusterId, nodeId, epoch, "FENCED"),
        },
      };
    });
  });
}
