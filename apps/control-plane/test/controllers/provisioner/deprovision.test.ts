// Deleting a cloud cluster this control plane cannot reach (no aliyun credentials in its environment): a
// cluster whose create failed before anything was made is deleted; one with recorded resources fails with a
// way out, and a second DELETE with abandon=true forgets them, listing them in the operation.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { clusterDeletionHandler } from "../../../src/controllers/cluster-deletion.ts";
import { ControllerRunner } from "../../../src/controllers/controller-runner.ts";
import {
  createProvisioner,
  fleetNameOf,
  type Provisioner,
} from "../../../src/controllers/provisioner/index.ts";
import { clusters, volumes } from "../../../src/db/schema.ts";
import { AssignmentNotifier } from "../../../src/services/assignment-notifier.ts";
import { createCluster, deleteCluster } from "../../../src/services/clusters.ts";
import { getOperation, type Operation, OperationStatus } from "../../../src/services/operations.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { localSpec } from "./provisioner-kit.ts";

const aliyunSpec = () =>
  localSpec({
    provider: "aliyun",
    region: "cn-hangzhou",
    zones: ["cn-hangzhou-h"],
    aliyun: { imageId: "img-1", vSwitches: { "cn-hangzhou-h": "vsw-h1" }, securityGroupId: "sg-1" },
  });

describe("deleting a cluster whose cloud cannot be reached", { timeout: 60_000 }, () => {
  let dir: string;
  let testDb: TestDatabase;
  let provisioner: Provisioner;
  let runner: ControllerRunner;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-deprovision-"));
    testDb = await createTestDatabase("pglite");
    const db = testDb.database.db;
    // No ALIBABA_CLOUD_* in this environment: every aliyun call fails for lack of credentials.
    provisioner = createProvisioner({
      db,
      launch: { controlPlaneUrl: "http://127.0.0.1:9" },
      providerRegistry: { localDataDir: dir, env: {} },
    });
    runner = new ControllerRunner({ db, now: Date.now, log: () => {} }, { intervalMs: 50 });
    const notifier = new AssignmentNotifier();
    for (const handler of provisioner.operationHandlers({ notifier })) runner.addOperationHandler(handler);
    runner.addOperationHandler(clusterDeletionHandler({ notifier, deprovision: provisioner.deprovision }));
  });
  after(async () => {
    await provisioner.close();
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function settled(id: string): Promise<Operation> {
    for (let pass = 0; pass < 50; pass++) {
      await runner.runOnce();
      const op = await getOperation(testDb.database.db, id);
      if (op?.status === OperationStatus.SUCCEEDED || op?.status === OperationStatus.FAILED) return op;
    }
    throw new Error(`operation ${id} did not finish`);
  }

  /** A cluster stored as if its credentials had been there at create time (the API checks them now). */
  async function aliyunCluster(name: string) {
    return createCluster(testDb.database.db, { name, spec: aliyunSpec(), deletionProtection: false }, null, {
      checkCredentials: async () => {},
    });
  }

  const clusterRow = async (id: string) =>
    (await testDb.database.db.select().from(clusters).where(eq(clusters.id, id)))[0];

  test("a cluster whose create failed before it made anything is deleted, the cloud not being checked", async () => {
    const { cluster, operation } = await aliyunCluster("never-made");
    const create = await settled(operation.id);
    assert.equal(create.status, OperationStatus.FAILED);
    assert.equal(create.error?.code, "CLOUD_CREDENTIALS_MISSING");
    assert.match(create.error?.message ?? "", /ALIBABA_CLOUD_ACCESS_KEY_ID/);
    const deletion = await settled(
      (await deleteCluster(testDb.database.db, cluster.id, false, null)).operation.id,
    );
    assert.equal(deletion.status, OperationStatus.SUCCEEDED, JSON.stringify(deletion.error));
    assert.equal(await clusterRow(cluster.id), undefined, "the cluster is gone");
    const left = deletion.input.leftBehind as { reason: string; fleet: string | null; volumes: string[] };
    assert.match(left.reason, /ever recorded.*not checked/);
    assert.deepEqual([left.fleet, left.volumes], [null, []]);
  });

  test("with recorded resources it fails with the way out; DELETE again with abandon=true forgets them", async () => {
    const { cluster } = await aliyunCluster("made-then-lost");
    const db = testDb.database.db;
    // It had run: one WAL volume recorded (its credentials were removed since).
    await db.insert(volumes).values({
      id: "d-bp1volume",
      clusterId: cluster.id,
      zone: "cn-hangzhou-h",
      sizeGiB: 1,
      state: "IN_USE",
    });
    const first = await deleteCluster(db, cluster.id, true, null);
    const failed = await settled(first.operation.id);
    assert.equal(failed.status, OperationStatus.FAILED);
    assert.equal(failed.error?.code, "PROVISIONING_PROVIDER_UNREACHABLE");
    assert.match(failed.error?.message ?? "", /ALIBABA_CLOUD_ACCESS_KEY_ID/);
    assert.match(failed.error?.message ?? "", /abandon=true/);
    assert.equal((await clusterRow(cluster.id))?.state, "DELETING", "nothing was forgotten without abandon");

    const second = await deleteCluster(db, cluster.id, true, null, { abandon: true });
    assert.equal(second.operation.input.abandon, true);
    await assert.rejects(
      deleteCluster(db, cluster.id, false, null),
      (e: { code?: string }) => e.code === "INVALID_STATE",
      "one deletion at a time",
    );
    const done = await settled(second.operation.id);
    assert.equal(done.status, OperationStatus.SUCCEEDED, JSON.stringify(done.error));
    assert.equal(await clusterRow(cluster.id), undefined);
    const left = done.input.leftBehind as Record<string, unknown>;
    assert.deepEqual(
      { fleet: left.fleet, volumes: left.volumes, provider: left.provider, region: left.region },
      { fleet: fleetNameOf(cluster.id), volumes: ["d-bp1volume"], provider: "aliyun", region: "cn-hangzhou" },
    );
    assert.match(String(left.reason), /abandon/);
    assert.match(String(left.error), /ALIBABA_CLOUD_ACCESS_KEY_ID/);
  });
});
