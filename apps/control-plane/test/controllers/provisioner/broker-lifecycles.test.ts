import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { type App, build } from "../../../src/app.ts";
import { ensureFirstAdminToken } from "../../../src/auth/first-admin-token.ts";
import { loadConfig } from "../../../src/config.ts";
import { recordBrokerLifecycles } from "../../../src/controllers/provisioner/broker-lifecycles.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers, clusters } from "../../../src/db/schema.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { localSpec, ProvisionerKit } from "./provisioner-kit.ts";

let kit: ProvisionerKit;
let app: App;
let admin: string;
let clusterId: string;

before(async () => {
  kit = await ProvisionerKit.open();
  const config = loadConfig({}, { databaseUrl: "memory://", logLevel: "silent" });
  app = await build({ config, database: kit.database });
  admin = (await ensureFirstAdminToken(kit.database.db))!;
  // One on-demand broker (the base), the other spot.
  const spec = localSpec({ brokers: { min: 2, max: 2 }, spot: { share: 1, onDemandBase: 1 } });
  const { cluster } = await createCluster(
    kit.database.db,
    { name: "lifecycles", spec, deletionProtection: false },
    null,
  );
  clusterId = cluster.id;
});

after(async () => {
  await app.server.close();
  await kit.close();
});

async function brokersView(): Promise<{ instanceId: string; spot: boolean }[]> {
  const response = await app.server.inject({
    method: "GET",
    url: `/v1/clusters/${clusterId}/brokers`,
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().items;
}

test("spot in the brokers view follows the provider's instance lifecycle, not what brokers say", async () => {
  const instances = await kit.runUntil(async () => {
    const list = await kit.local.listInstances(fleetNameOf(clusterId)).catch(() => []);
    return list.length === 2 ? list : undefined;
  });
  const spotInstance = instances.find((i) => i.lifecycle === "spot");
  const onDemandInstance = instances.find((i) => i.lifecycle === "on-demand");
  assert.ok(spotInstance && onDemandInstance, "the local provider launched one of each");
  // Each broker claims the opposite of the truth (the on-demand one says spot, the spot one says nothing).
  for (const instance of instances) {
    await registerBroker(
      kit.database.db,
      clusterId,
      {
        instanceId: instance.id,
        zone: instance.zone,
        host: "127.0.0.1",
        port: instance.ports!.kafka,
        ...(instance.lifecycle === "on-demand" ? { spot: true } : {}),
      },
      30_000,
    );
  }
  const view = await kit.runUntil(async () => {
    const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.id, clusterId));
    const items = await brokersView();
    return row?.state === "RUNNING" && items.some((b) => b.spot) ? items : undefined;
  });
  assert.deepEqual(
    view.map((b) => [b.instanceId, b.spot]).sort(),
    [
      [onDemandInstance.id, false],
      [spotInstance.id, true],
    ].sort(),
  );
  // A re-registration (new epoch) keeps what the provisioner recorded.
  await registerBroker(
    kit.database.db,
    clusterId,
    {
      instanceId: spotInstance.id,
      zone: spotInstance.zone,
      host: "127.0.0.1",
      port: spotInstance.ports!.kafka,
    },
    30_000,
  );
  assert.equal((await brokersView()).find((b) => b.instanceId === spotInstance.id)?.spot, true);
});

test("recordBrokerLifecycles writes only rows that differ, both ways, and only in its cluster", async () => {
  const db = kit.database.db;
  const rows = await db.select().from(brokers).where(eq(brokers.clusterId, clusterId));
  assert.equal(rows.length, 2);
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const asIs = rows.map((r) => ({ id: r.instanceId, lifecycle: r.spot ? "spot" : "on-demand" }) as const);
  assert.equal(await recordBrokerLifecycles(db, clusterId, asIs), 0, "steady: nothing written");
  const flipped = asIs.map(
    (i) => ({ ...i, lifecycle: i.lifecycle === "spot" ? "on-demand" : "spot" }) as const,
  );
  assert.equal(await recordBrokerLifecycles(db, "00000000-0000-4000-8000-000000000000", flipped), 0);
  assert.equal(await recordBrokerLifecycles(db, clusterId, flipped), 2);
  const after = await db.select().from(brokers).where(eq(brokers.clusterId, clusterId));
  assert.equal(after.find((r) => r.brokerId === a.brokerId)?.spot, !a.spot);
  assert.equal(after.find((r) => r.brokerId === b.brokerId)?.spot, !b.spot);
  assert.equal(await recordBrokerLifecycles(db, clusterId, asIs), 2, "and back");
  assert.equal(await recordBrokerLifecycles(db, clusterId, []), 0);
});
