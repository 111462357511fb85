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
import type { ClusterSpec } from "../../../src/api-schemas/clusters.ts";
import {
  ensureFleet,
  type ProvisionerDeps,
} from "../../../src/controllers/provisioner/cluster-convergence.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/cluster-fleet.ts";
import { clusters } from "../../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { aliyunSpecOn, awsSpecOn } from "./provisioner-kit.ts";

/** A cloud whose create is cut short once, between two of its calls, as a killed control plane leaves it. */
interface CutShort {
  provider: CloudProvider;
  spec: ClusterSpec;
  /** The cloud's own count of what exists: a resumed create must not have made any of it twice. */
  made(): { groups: number; configsOrTemplates: number };
}

const KILLED = () => new Error("the control plane was killed here");

function awsCutBeforeGroup(): CutShort {
  const account = new FakeAwsAccount();
  const clients = fakeAwsClients(account);
  const asg = clients.autoScaling as unknown as {
    send(command: unknown, ...rest: unknown[]): Promise<unknown>;
  };
  const send = asg.send.bind(asg);
  let killed = false;
  asg.send = (command, ...rest) => {
    if (!killed && (command as object).constructor.name === "CreateAutoScalingGroupCommand") {
      killed = true;
      return Promise.reject(KILLED());
    }
    return send(command, ...rest);
  };
  return {
    provider: new AwsProvider({ region: "us-east-1", pollIntervalMs: 50, clients }),
    spec: awsSpecOn(account),
    made: () => ({ groups: account.groups.size, configsOrTemplates: account.launchTemplates.size }),
  };
}

function aliyunCutBeforeEnable(): CutShort {
  const account = new FakeAliyunAccount();
  const ess = fakeEss(account);
  let killed = false;
  return {
    provider: new AliyunProvider({
      regionId: account.regionId,
      pollIntervalMs: 50,
      clients: {
        ess: {
          callApi: (params, request, runtime) => {
            if (!killed && params.action === "EnableScalingGroup") {
              killed = true;
              return Promise.reject(KILLED());
            }
            return ess.callApi(params, request, runtime);
          },
        },
        ecs: fakeEcs(account),
        cms: fakeCms(account),
      },
    }),
    spec: aliyunSpecOn(account),
    made: () => ({ groups: account.groups.size, configsOrTemplates: account.configurations.size }),
  };
}

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase("pglite");
});
after(() => testDb.drop());

for (const [name, make, where] of [
  ["aws", awsCutBeforeGroup, "between the launch template and the group"],
  ["aliyun", aliyunCutBeforeEnable, "with the ESS group still Inactive"],
] as const) {
  describe(`a create on ${name} cut short ${where}`, () => {
    it("is finished by the next pass after a restart, nothing made twice (the broker token rotated meanwhile)", async () => {
      const cloud = make();
      const db = testDb.database.db;
      const id =
        name === "aws" ? "7c1e2a44-1d0b-4f7e-9a51-3b6c0e2d4f10" : "7c1e2a44-1d0b-4f7e-9a51-3b6c0e2d4f11";
      await db.insert(clusters).values({
        id,
        name: `resume-${name}`,
        spec: cloud.spec,
        state: "CREATING",
        brokerTokenHash: `resume-${name}`,
        createdAt: 0,
        updatedAt: 0,
      });
      const [row] = await db
        .select()
        .from(clusters)
        .where((await import("drizzle-orm")).eq(clusters.id, id));
      const deps: ProvisionerDeps = {
        db,
        providers: { providerFor: () => cloud.provider, close: () => cloud.provider.close() },
        launch: { controlPlaneUrl: "http://127.0.0.1:9" },
        probeKafka: async () => false,
      };
      try {
        await assert.rejects(ensureFleet(deps, row!), /killed/);
        // Restart: a new pass over the same database and cloud (a new broker token goes into the user data).
        const fleet = await ensureFleet(deps, row!);
        assert.equal(fleet.status, "active");
        assert.equal(fleet.name, fleetNameOf(id));
        assert.equal((await cloud.provider.listInstances(fleet.name)).length, cloud.spec.brokers.min);
        assert.deepEqual(cloud.made(), { groups: 1, configsOrTemplates: 1 });
      } finally {
        await cloud.provider.close();
      }
    });
  });
}
