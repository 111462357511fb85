import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { brokerDrainHandler } from "../../../src/controllers/broker-drain.ts";
import { operations } from "../../../src/db/schema.ts";
import { FailoverKit } from "./failover-kit.ts";

describe("spot interruption notices", { timeout: 60_000 }, () => {
  let fk: FailoverKit;
  before(async () => {
    fk = await FailoverKit.open(2, { spotShare: 1 });
    fk.kit.runner.addOperationHandler(brokerDrainHandler(fk.kit.notifier));
  });
  after(async () => {
    await fk.close();
  });

  it("drain the broker on the reclaimed instance once, before the kill", async () => {
    const [victim, other] = (await fk.brokers()).sort((a, b) => a.brokerId - b.brokerId);
    assert.ok(victim && other);
    await fk.kit.runner.runOnce(); // subscribes to the provider's notices
    await fk.kit.local.simulateSpotReclaim(victim.instanceId, 20_000);
    const drain = await fk.kit.runUntil(async () => {
      const [op] = await fk.kit.database.db
        .select()
        .from(operations)
        .where(and(eq(operations.clusterId, fk.clusterId), eq(operations.type, "broker.drain")));
      return op;
    });
    assert.deepEqual(drain.input, { brokerId: victim.brokerId });
    assert.equal(drain.createdBy, "spot-notice");
    const draining = await fk.kit.runUntil(async () => {
      const row = (await fk.brokers()).find((b) => b.brokerId === victim.brokerId);
      return row?.state === "DRAINING" ? row : undefined;
    });
    assert.equal(draining.instanceId, victim.instanceId);
    assert.equal((await fk.brokers()).find((b) => b.brokerId === other.brokerId)?.state, "ACTIVE");
    // The same instance reclaimed again (a repeated notice) starts no second drain.
    await fk.kit.local.simulateSpotReclaim(victim.instanceId, 20_000).catch(() => {});
    for (let i = 0; i < 3; i++) await fk.kit.runner.runOnce();
    const drains = await fk.kit.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, fk.clusterId), eq(operations.type, "broker.drain")));
    assert.equal(drains.length, 1);
  });
});
