// What a cloud fleet's boot script carries, read back from the emulated clouds' own records (the launch
// template EC2 stored, the scaling configuration ESS stored): no broker credential, the node identity the
// broker proves itself with instead, and a cluster whose token hash the fleet create left alone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AliyunProvider, AwsProvider, type CloudProvider } from "@cirrus/cloud";
import {
  FakeAliyunAccount,
  FakeAwsAccount,
  fakeAwsClients,
  fakeCms,
  fakeEcs,
  fakeEss,
} from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../../src/api-schemas/clusters.ts";
import {
  ensureFleet,
  type ProvisionerDeps,
} from "../../../src/controllers/provisioner/cluster-convergence.ts";
import { clusters } from "../../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { aliyunSpecOn, awsSpecOn } from "./provisioner-kit.ts";

interface EmulatedCloud {
  provider: CloudProvider;
  spec: ClusterSpec;
  /** Every user data the cloud stored for the fleet, decoded. */
  userData(): string[];
}

function aws(): EmulatedCloud {
  const account = new FakeAwsAccount();
  return {
    provider: new AwsProvider({ region: "us-east-1", pollIntervalMs: 50, clients: fakeAwsClients(account) }),
    spec: awsSpecOn(account),
    userData: () =>
      [...account.launchTemplates.values()].flatMap((lt) =>
        lt.versions.map((v) => Buffer.from(String(v.UserData ?? ""), "base64").toString()),
      ),
  };
}

function aliyun(): EmulatedCloud {
  const account = new FakeAliyunAccount();
  return {
    provider: new AliyunProvider({
      regionId: account.regionId,
      pollIntervalMs: 50,
      clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms: fakeCms(account) },
    }),
    spec: aliyunSpecOn(account),
    userData: () =>
      [...account.configurations.values()].map((c) => Buffer.from(c.userData ?? "", "base64").toString()),
  };
}

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase("pglite");
});
after(() => testDb.drop());

for (const [name, make, id] of [
  ["aws", aws, "5d2e7a10-8c4b-4f3e-9d21-6a7b8c9d0e01"],
  ["aliyun", aliyun, "5d2e7a10-8c4b-4f3e-9d21-6a7b8c9d0e02"],
] as const) {
  describe(`the ${name} fleet's boot script`, () => {
    it("holds no broker credential, names the node identity the broker proves itself with", async () => {
      const cloud = make();
      const db = testDb.database.db;
      await db.insert(clusters).values({
        id,
        name: `user-data-${name}`,
        spec: cloud.spec,
        state: "CREATING",
        brokerTokenHash: `hash-before-${name}`,
        createdAt: 0,
        updatedAt: 0,
      });
      const [row] = await db.select().from(clusters).where(eq(clusters.id, id));
      const deps: ProvisionerDeps = {
        db,
        providers: { providerFor: () => cloud.provider, close: () => cloud.provider.close() },
        launch: { controlPlaneUrl: "https://cp.example:8443", env: { CIRRUS_LOG_LEVEL: "info" } },
        probeKafka: async () => false,
      };
      try {
        const fleet = await ensureFleet(deps, row!);
        assert.equal(fleet.status, "active");
        const scripts = cloud.userData();
        assert.ok(scripts.length >= 1, "the cloud stored the fleet's user data");
        for (const script of scripts) {
          assert.doesNotMatch(script, /TOKEN/, "no credential variable");
          assert.doesNotMatch(script, /cbt_/, "no credential value");
          assert.match(script, new RegExp(`export CIRRUS_NODE_IDENTITY='${name}'`));
          assert.match(script, new RegExp(`export CIRRUS_CLUSTER_ID='${id}'`));
          assert.match(script, /export CIRRUS_CONTROL_PLANE_URL='https:\/\/cp\.example:8443'/);
        }
        const [after] = await db.select().from(clusters).where(eq(clusters.id, id));
        assert.equal(after!.brokerTokenHash, `hash-before-${name}`, "no token minted for a cloud fleet");
      } finally {
        await cloud.provider.close();
      }
    });
  });
}
