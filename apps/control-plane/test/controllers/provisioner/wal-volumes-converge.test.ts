import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AliyunProvider, AwsProvider, type CloudProvider } from "@cirrus/cloud";
import {
  FakeAliyunAccount,
  FakeAwsAccount,
  type FakeTiming,
  fakeAwsClients,
  fakeCms,
  fakeEcs,
  fakeEss,
} from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import { clusterVolumeTags, WalVolumes } from "../../../src/controllers/provisioner/wal-volumes.ts";
import { clusters, volumes } from "../../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { localSpec } from "./provisioner-kit.ts";

/** The clouds' documented delays, scaled down (EBS creating and fresh-id NotFound; ESSD detach ~60 s). */
const TIMING: FakeTiming = { volumeCreatingMs: 150, newIdNotFoundMs: 60, detachingMs: 300 };

interface Cloud {
  provider: CloudProvider;
  spec: ReturnType<typeof localSpec>;
  instances: () => Promise<import("@cirrus/cloud").Instance[]>;
}

async function awsCloud(): Promise<Cloud> {
  const account = new FakeAwsAccount();
  account.timing = { ...TIMING };
  const provider = new AwsProvider({
    region: "us-east-1",
    pollIntervalMs: 50,
    clients: fakeAwsClients(account),
  });
  await provider.createFleet({
    name: "fleet-1",
    minSize: 0,
    maxSize: 4,
    desiredCapacity: 2,
    zones: account.zones,
    instanceTypes: ["m6i.large"],
    onDemandBaseCapacity: 2,
    onDemandPercentageAboveBase: 100,
    capacityRebalance: false,
    launch: { command: "/opt/cirrus/broker", args: [], env: {} },
    aws: {
      imageId: "ami-0abcdef1234567890",
      subnetIds: [...account.subnets.keys()],
      securityGroupIds: ["sg-1"],
    },
  });
  return {
    provider,
    spec: localSpec({ provider: "aws", region: "us-east-1", zones: [...account.zones], walVolumeGiB: 8 }),
    instances: () => provider.listInstances("fleet-1"),
  };
}

async function aliyunCloud(): Promise<Cloud> {
  const account = new FakeAliyunAccount();
  account.timing = { ...TIMING };
  const provider = new AliyunProvider({
    regionId: account.regionId,
    pollIntervalMs: 50,
    clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms: fakeCms(account) },
  });
  await provider.createFleet({
    name: "fleet-1",
    minSize: 0,
    maxSize: 4,
    desiredCapacity: 2,
    zones: account.zones,
    instanceTypes: ["ecs.g7.large"],
    onDemandBaseCapacity: 2,
    onDemandPercentageAboveBase: 100,
    capacityRebalance: false,
    launch: { command: "/opt/cirrus/broker", args: [], env: {} },
    aliyun: { imageId: "img-1", vSwitchIds: [...account.vSwitches.keys()], securityGroupId: "sg-1" },
  });
  return {
    provider,
    spec: localSpec({
      provider: "aliyun",
      region: account.regionId,
      zones: [...account.zones],
      walVolumeGiB: 20,
    }),
    instances: () => provider.listInstances("fleet-1"),
  };
}

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase("pglite");
});
after(async () => {
  await testDb.drop();
});

for (const [name, make] of [
  ["aws", awsCloud],
  ["aliyun", aliyunCloud],
] as const) {
  describe(`WAL volumes on ${name} wait for the cloud to converge`, () => {
    it("attach only once a volume is available, never make a second one, delete once detached", async (t) => {
      // The fakes' clock (Date.now) moves only when the test ticks it: a machine stalled under load cannot
      // outlast a delay between two passes. Each transient state is also checked 1 ms before it ends.
      t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
      const cloud = await make();
      const db = testDb.database.db;
      const clusterId = `cl-${name}`;
      await db.insert(clusters).values({
        id: clusterId,
        name: `converge-${name}`,
        spec: cloud.spec,
        state: "CREATING",
        brokerTokenHash: `converge-${name}`,
        createdAt: 0,
        updatedAt: 0,
      });
      try {
        const wal = new WalVolumes(db, cloud.provider, clusterId, cloud.spec);
        const instances = await cloud.instances();
        assert.equal(instances.length, 2);
        // First pass: volumes are created but still creating or not yet visible: nothing attached, no error.
        assert.deepEqual(await wal.ensureAttached(instances), []);
        const rows = await db.select().from(volumes).where(eq(volumes.clusterId, clusterId));
        assert.equal(rows.length, 2);
        assert.ok(rows.every((r) => r.state === "AVAILABLE"));
        t.mock.timers.tick(TIMING.volumeCreatingMs - 1);
        assert.deepEqual(await wal.ensureAttached(instances), [], "still creating, 1 ms before");
        t.mock.timers.tick(1);
        const attached = await wal.ensureAttached(instances);
        assert.deepEqual(attached.map((a) => a.instanceId).sort(), instances.map((i) => i.id).sort());
        assert.equal(
          (await cloud.provider.listVolumes(clusterVolumeTags(clusterId))).length,
          2,
          "no duplicate",
        );
        assert.deepEqual(await wal.ensureAttached(instances), [], "a later pass finds them attached");

        // Force-detached from live instances (as after a crash): the delete waits for the detach.
        assert.equal(await wal.deleteAll(), false, "detaching: the delete waits");
        t.mock.timers.tick(TIMING.detachingMs - 1);
        assert.equal(await wal.deleteAll(), false, "still detaching, 1 ms before");
        t.mock.timers.tick(1);
        assert.equal(await wal.deleteAll(), true);
        assert.deepEqual(await cloud.provider.listVolumes(clusterVolumeTags(clusterId)), []);
        assert.equal((await db.select().from(volumes).where(eq(volumes.clusterId, clusterId))).length, 0);
        await cloud.provider.deleteFleet("fleet-1");
      } finally {
        await cloud.provider.close();
      }
    });
  });
}
