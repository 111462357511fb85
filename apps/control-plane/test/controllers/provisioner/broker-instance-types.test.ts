// The provisioner records each broker's instance type as the provider lists its instance (here the real
// local provider), for the balancer's per-broker capacity; a re-registration keeps it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers } from "../../../src/db/schema.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { localSpec, ProvisionerKit } from "./provisioner-kit.ts";

let kit: ProvisionerKit;
let clusterId: string;

before(async () => {
  kit = await ProvisionerKit.open();
  const spec = localSpec({ brokers: { min: 2, max: 2 }, instanceTypes: ["local-large"] });
  const { cluster } = await createCluster(
    kit.database.db,
    { name: "types", spec, deletionProtection: false },
    null,
  );
  clusterId = cluster.id;
});

after(() => kit.close());

test("each broker row gets its instance's type from the provider, and keeps it across registrations", async () => {
  const instances = await kit.runUntil(async () => {
    const list = await kit.local.listInstances(fleetNameOf(clusterId)).catch(() => []);
    return list.length === 2 ? list : undefined;
  });
  const register = (instance: (typeof instances)[number]) =>
    registerBroker(
      kit.database.db,
      clusterId,
      { instanceId: instance.id, zone: instance.zone, host: "127.0.0.1", port: instance.ports!.kafka },
      30_000,
    );
  for (const instance of instances) await register(instance);
  const typed = () =>
    kit.database.db
      .select({ instanceId: brokers.instanceId, instanceType: brokers.instanceType })
      .from(brokers)
      .where(eq(brokers.clusterId, clusterId));
  const rows = await kit.runUntil(async () => {
    const list = await typed();
    return list.length === 2 && list.every((r) => r.instanceType !== null) ? list : undefined;
  });
  assert.deepEqual(
    rows.map((r) => [r.instanceId, r.instanceType]).sort(),
    instances.map((i) => [i.id, i.instanceType]).sort(),
  );
  assert.ok(rows.every((r) => r.instanceType === "local-large"));
  await register(instances[0]!);
  assert.equal((await typed()).find((r) => r.instanceId === instances[0]!.id)?.instanceType, "local-large");
});
