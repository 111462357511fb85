import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { InterruptionNotice } from "@cirrus/cloud";
import { eq } from "drizzle-orm";
import { type App, build } from "../../../src/app.ts";
import { ensureFirstAdminToken } from "../../../src/auth/first-admin-token.ts";
import { loadConfig } from "../../../src/config.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { localSpotReclaimer } from "../../../src/controllers/provisioner/spot-reclaim.ts";
import { clusters, operations } from "../../../src/db/schema.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { brokerProcesses, localSpec, ProvisionerKit } from "./provisioner-kit.ts";

let kit: ProvisionerKit;
let app: App;
let bare: App;
let admin: string;
let clusterId: string;
/** brokerId → instanceId, for a fleet of one on-demand and one spot broker. */
const brokerOf = new Map<string, number>();

before(async () => {
  kit = await ProvisionerKit.open();
  const config = loadConfig({}, { databaseUrl: "memory://", logLevel: "silent" });
  app = await build({
    config,
    database: kit.database,
    spotReclaimer: localSpotReclaimer(kit.database.db, kit.provisioner.providers),
  });
  bare = await build({ config, database: kit.database });
  admin = (await ensureFirstAdminToken(kit.database.db))!;
  const spec = localSpec({ brokers: { min: 2, max: 2 }, spot: { share: 1, onDemandBase: 1 } });
  const { cluster } = await createCluster(
    kit.database.db,
    { name: "spot", spec, deletionProtection: false },
    null,
  );
  clusterId = cluster.id;
  const instances = await kit.runUntil(async () => {
    const list = await kit.local.listInstances(fleetNameOf(clusterId)).catch(() => []);
    return list.length === 2 ? list : undefined;
  });
  for (const instance of instances) {
    const { response } = await registerBroker(
      kit.database.db,
      clusterId,
      { instanceId: instance.id, zone: instance.zone, host: "127.0.0.1", port: instance.ports!.kafka },
      30_000,
    );
    brokerOf.set(instance.lifecycle, response.brokerId);
  }
  await kit.runUntil(async () => {
    const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.id, clusterId));
    return row?.state === "RUNNING" ? true : undefined;
  });
});

after(async () => {
  await app.server.close();
  await bare.server.close();
  await kit.close();
});

function reclaim(target: App, brokerId: number, body: unknown = { noticeSeconds: 1 }, id = clusterId) {
  return target.server.inject({
    method: "POST",
    url: `/v1/clusters/${id}/brokers/${brokerId}/spot-reclaim`,
    headers: { authorization: `Bearer ${admin}` },
    payload: body as object,
  });
}

test("a spot broker gets a notice at once and is killed after the notice window, then replaced", async () => {
  const notices = kit.local.interruptions();
  const spotBroker = brokerOf.get("spot")!;
  const before = (await kit.local.listInstances(fleetNameOf(clusterId))).map((i) => i.id);
  const started = Date.now();
  const response = await reclaim(app, spotBroker);
  assert.equal(response.statusCode, 202, response.body);
  const { instanceId, deadline } = response.json() as { instanceId: string; deadline: number };
  assert.ok(before.includes(instanceId));
  assert.ok(deadline >= started + 1_000 && deadline <= Date.now() + 1_000);
  const first = (await notices[Symbol.asyncIterator]().next()).value as InterruptionNotice;
  notices.close();
  assert.equal(first.kind, "spot-reclaim");
  assert.equal(first.instanceId, instanceId);
  const during = (await kit.local.listInstances(fleetNameOf(clusterId))).find((i) => i.id === instanceId);
  assert.equal(during?.state, "terminating", "alive, terminating, during the notice window");
  const replaced = await kit.runUntil(async () => {
    const now = await kit.local.listInstances(fleetNameOf(clusterId));
    const gone = !now.some((i) => i.id === instanceId);
    return gone && now.filter((i) => i.state === "running").length === 2 ? now : undefined;
  });
  assert.ok(Date.now() >= deadline, "not killed before the deadline");
  // The replacement got its WAL volume from the steady loop, recorded as an operation.
  const repair = await kit.runUntil(async () => {
    const ops = await kit.database.db.select().from(operations).where(eq(operations.clusterId, clusterId));
    return ops.find((o) => o.type === "cluster.repair" && JSON.stringify(o.input).includes("attach-volume"));
  });
  assert.equal(repair.status, "SUCCEEDED");
  assert.deepEqual(
    (repair.steps as { name: string }[]).map((s) => s.name),
    ["attach-volume"],
  );
  assert.equal(brokerProcesses(kit.dataDir).length, 2);
  assert.equal(replaced.length, 2);
});

test("bad requests get typed problems, not crashes", async () => {
  const onDemand = await reclaim(app, brokerOf.get("on-demand")!);
  assert.equal(onDemand.statusCode, 409);
  assert.equal(onDemand.json().code, "INVALID_STATE");
  assert.equal((await reclaim(app, 999)).json().code, "NOT_FOUND");
  assert.equal((await reclaim(app, 0, {}, "00000000-0000-4000-8000-000000000000")).json().code, "NOT_FOUND");
  assert.equal((await reclaim(app, 0, { noticeSeconds: -1 })).statusCode, 400);
  assert.equal((await reclaim(app, 0, { noticeSeconds: 1, extra: true })).statusCode, 400);
  const unwired = await reclaim(bare, 0);
  assert.equal(unwired.statusCode, 409);
  assert.match(unwired.json().detail, /no provisioner/);
});
