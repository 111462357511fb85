// A real broker booted by the emulated instance runner from user data (libs/cloud's boot script), as a cloud
// instance would run it: it learns its instance id, zone and private address from the metadata emulator
// (IMDSv2), trades its signed instance identity for a credential (no secret in the user data; the control
// plane verifies the signature with the public key of the emulator's stand-in for the region's AWS key, and has
// moto's STS say who signed the GetCallerIdentity the broker signed with its instance role credentials, which
// moto's AssumeRole issued for the instance),
// registers so, keeps its WAL raw on the volume found by id under the instance's by-id folder, serves a kcat
// round trip, reads a spot notice from the metadata service, and after a kill -9 and a reboot of the instance
// replays every acknowledged record from that volume.
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildUserData } from "@cirrus/cloud";
import type { MotoServer } from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import {
  ADMIN,
  startControlPlane,
  type TestControlPlane,
} from "../../../apps/broker/test/helpers/control-plane.ts";
import { runKcat } from "../../../apps/broker/test/helpers/kcat.ts";
import { volumes } from "../../../apps/control-plane/src/db/schema.ts";
import {
  type BlockVolume,
  createBlockVolume,
  EmulatedInstance,
  instanceRoleOn,
  REGION_STS_ACCOUNT,
  startRegionSts,
} from "../../harness/cloud-instance/index.ts";

const BROKER_MAIN = fileURLToPath(import.meta.resolve("@cirrus/broker/main"));

/** The emulated region's identity key; the control plane is configured with its public half. */
const regionKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privatePem = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();

/** The instance profile's role (in moto's default account, the one the control plane is told brokers run in). */
const ROLE = "cirrus-broker";

describe("a broker on an emulated aws instance", { timeout: 180_000 }, () => {
  let cp: TestControlPlane;
  let clusterId: string;
  let dir: string;
  let moto: MotoServer;
  const instances: EmulatedInstance[] = [];

  before(async () => {
    moto = await startRegionSts();
    const publicPem = regionKey.publicKey.export({ type: "spki", format: "pem" }).toString();
    cp = await startControlPlane({
      leaseMs: 3_000,
      config: {
        awsInstanceIdentityCertificates: JSON.stringify({ "us-east-1": publicPem }),
        awsStsEndpoint: moto.endpoint,
        awsBrokerAccountId: REGION_STS_ACCOUNT,
      },
    });
    // POST /v1/clusters checks that the control plane could reach the cloud (no call is made: this control
    // plane runs no provisioner); emulated credentials, for that check only.
    process.env.AWS_ACCESS_KEY_ID = "AKIAEMULATEDINSTANCE";
    process.env.AWS_SECRET_ACCESS_KEY = "emulated-instance-test";
    try {
      ({ clusterId } = await cp.newCluster("on-aws", {
        provider: "aws",
        region: "us-east-1",
        zones: ["us-east-1c"],
        aws: {
          imageId: "ami-0123456789abcdef0",
          subnets: { "us-east-1c": "subnet-0123456789abcdef0" },
          securityGroupIds: ["sg-0123456789abcdef0"],
          instanceProfileArn: `arn:aws:iam::${REGION_STS_ACCOUNT}:instance-profile/${ROLE}`,
          instanceRoleName: ROLE,
        },
      }));
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
    dir = await mkdtemp(join(tmpdir(), "cirrus-cloud-instance-"));
  });
  after(async () => {
    for (const instance of instances) await instance.terminate();
    await cp?.close();
    await moto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * The boot script of the cluster's launch template: it names the cluster, holds no secret and no volume (one
   * launch template serves every instance): the broker asks the control plane which volume it attached.
   */
  const userData = () =>
    buildUserData(
      {
        command: process.execPath,
        args: [BROKER_MAIN],
        env: {
          CIRRUS_NODE_IDENTITY: "aws",
          CIRRUS_CONTROL_PLANE_URL: cp.baseUrl,
          CIRRUS_CLUSTER_ID: clusterId,
          CIRRUS_WAL_CAPACITY_BYTES: String(16 * 1024 * 1024),
          CIRRUS_KAFKA_PORT: "0",
          CIRRUS_ADMIN_PORT: "0",
          CIRRUS_DATA_DIR: "data",
          CIRRUS_OBJECT_STORE: `file://${join(cp.dataDir, "objects")}`,
          CIRRUS_INTERRUPTION_POLL_MS: "200",
        },
      },
      { CIRRUS_FLEET: "cloud-instance-test" },
    );

  /** As the provisioner's attach pass does it: the row for the instance, the cloud's attach, the row IN_USE. */
  const attachWalVolume = async (instance: EmulatedInstance, volume: BlockVolume) => {
    const { db } = cp.database;
    await db.insert(volumes).values({
      id: volume.volumeId,
      clusterId,
      zone: "us-east-1c",
      sizeGiB: 1,
      state: "AVAILABLE",
      instanceId: instance.instanceId,
    });
    await instance.attachVolume(volume);
    await db.update(volumes).set({ state: "IN_USE" }).where(eq(volumes.id, volume.volumeId));
  };

  const launch = async (instanceId: string, privateIp: string, signingKey: KeyObject, withRole = true) => {
    const userDataBase64 = userData();
    const script = Buffer.from(userDataBase64, "base64").toString();
    assert.doesNotMatch(script, /TOKEN|cbt_/, "no credential in user data");
    assert.doesNotMatch(script, /VOLUME|vol-/, "no volume in user data");
    const instance = await EmulatedInstance.launch({
      provider: "aws",
      instanceId,
      zone: "us-east-1c",
      privateIp,
      lifecycle: "spot",
      userDataBase64,
      signingKey: privatePem(signingKey),
      // The instance profile, as EC2 gives it: the role's credentials for a session named for the instance.
      ...(withRole ? { metadata: { instanceRole: instanceRoleOn(moto, ROLE) } } : {}),
      // The emulated region's STS, the only one besides us-east-1's own the broker signs its proof for.
      env: { CIRRUS_AWS_STS_ENDPOINT: moto.endpoint },
      dir: join(dir, instanceId),
    });
    instances.push(instance);
    return instance;
  };

  it("refuses to start when its identity does not verify (signed by another key)", async () => {
    const forger = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const instance = await launch("i-0badbadbadbadbad0", "127.0.0.3", forger.privateKey);
    assert.equal(await instance.waitForExit(60_000), 1, "the broker exits 1");
    assert.match(
      instance.output,
      /no broker credential for instance i-0badbadbadbadbad0: .*signature does not match/,
    );
  });

  it("refuses to start, saying why, on an instance without an instance profile role (no proof it can sign)", async () => {
    const instance = await launch("i-0a0a0a0a0a0a0a0a0", "127.0.0.4", regionKey.privateKey, false);
    assert.equal(await instance.waitForExit(60_000), 1, "the broker exits 1");
    assert.match(instance.output, /the instance has no instance profile role, so it cannot prove who it is/);
  });

  it("boots from user data, gets its WAL volume from the control plane, serves kcat, replays the volume", async () => {
    const instance = await launch("i-0fedcba9876543210", "127.0.0.2", regionKey.privateKey);
    await instance.waitForOutput(/credential issued for instance i-0fedcba9876543210/);
    // The provisioner attaches on a later pass: the broker waits, asking the control plane.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.doesNotMatch(instance.output, /bootstrap:/, "no broker serves before its WAL volume is attached");
    const volume = await createBlockVolume(
      join(dir, "cloud-volumes"),
      "vol-0a1b2c3d4e5f60718",
      64 * 1024 * 1024,
    );
    await attachWalVolume(instance, volume);
    const bootstrap = (await instance.waitForOutput(/bootstrap: (\S+)/))[1] ?? "";
    assert.match(bootstrap, /^127\.0\.0\.2:\d+$/, "advertises the instance's private address");
    assert.match(instance.output, /credential issued for instance i-0fedcba9876543210 on its aws identity/);
    assert.ok(
      instance.metadata.requests.some(
        (r) => r.path === `/latest/meta-data/iam/security-credentials/${ROLE}` && r.status === 200,
      ),
      "signed with the instance role's credentials from IMDS",
    );
    assert.match(
      instance.output,
      /WAL volume vol-0a1b2c3d4e5f60718 attached for instance i-0fedcba9876543210 \(control plane\)/,
    );
    assert.match(
      instance.output,
      /node: aws instance i-0fedcba9876543210 in zone us-east-1c \(spot\), advertising 127\.0\.0\.2, WAL on \S*\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f60718\n/,
    );

    const listed = await fetch(`${cp.baseUrl}/v1/clusters/${clusterId}/brokers`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const { items } = (await listed.json()) as {
      items: { instanceId: string; zone: string; host: string; volumeId: string | null }[];
    };
    assert.deepEqual(
      items.map(({ instanceId, zone, host, volumeId }) => ({ instanceId, zone, host, volumeId })),
      [
        {
          instanceId: "i-0fedcba9876543210",
          zone: "us-east-1c",
          host: "127.0.0.2",
          volumeId: "vol-0a1b2c3d4e5f60718",
        },
      ],
    );

    const values = Array.from({ length: 200 }, (_, i) => `record-${i}`);
    const produced = await runKcat(bootstrap, ["-P", "-t", "on-instance", "-X", "acks=all"], {
      input: `${values.join("\n")}\n`,
    });
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await runKcat(bootstrap, ["-C", "-t", "on-instance", "-o", "beginning", "-e", "-q"]);
    assert.deepEqual(consumed.stdout.trim().split("\n"), values);

    instance.metadata.announceSpotInterruption(new Date(Date.now() + 120_000));
    await instance.waitForOutput(/interruption notice: spot-interruption of i-0fedcba9876543210/, 10_000);

    // Killed outright: the acked records are only in the WAL on the volume (uploads wait 30 s or 1/3 of it).
    await instance.kill("SIGKILL");
    await instance.boot();
    const again = (await instance.waitForOutput(/bootstrap: (\S+)[\s\S]*bootstrap: (\S+)/))[2] ?? "";
    // kcat sent the 200 records in one batch or a few: the replay counts stored batches.
    assert.match(instance.output, /recovered [1-9]\d* records from the WAL/);
    const replayed = await runKcat(again, ["-C", "-t", "on-instance", "-o", "beginning", "-e", "-q"]);
    assert.deepEqual(replayed.stdout.trim().split("\n"), values, "every acked record after the replay");
  });
});
