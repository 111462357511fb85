// The broker registry as object-manager tests drive it: rows in the brokers table (and the cluster row it
// references), written directly, so a test can (re-)register or fence a node without the broker service.
import type { Db } from "../../src/db/database.ts";
import { brokers, clusters } from "../../src/db/schema.ts";

/** Sets `brokerId`'s row in `clusterId` to `epoch`, ACTIVE or FENCED; creates the cluster row if needed. */
export async function setBrokerRow(
  db: Db,
  clusterId: string,
  brokerId: number,
  epoch: number,
  state: "ACTIVE" | "FENCED",
): Promise<void> {
  await db
    .insert(clusters)
    .values({
      id: clusterId,
      name: `objects-test-${clusterId}`,
      spec: {},
      state: "RUNNING",
      brokerTokenHash: `objects-test-${clusterId}`,
      createdAt: 0,
      updatedAt: 0,
    })
    .onConflictDoNothing();
  await db
    .insert(brokers)
    .values({
      clusterId,
      brokerId,
      instanceId: `i-${brokerId}`,
      zone: "local-a",
      host: "127.0.0.1",
      port: 9092,
      epoch,
      state,
      leaseUntil: 0,
      registeredAt: 0,
    })
    .onConflictDoUpdate({ target: [brokers.clusterId, brokers.brokerId], set: { epoch, state } });
}
