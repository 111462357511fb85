// Finding the WAL volume among the machine's block devices by its id (a folder of by-id symlinks stands in
// for /dev/disk/by-id), and what a cloud broker's config must name.
import assert from "node:assert/strict";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadBrokerConfig } from "../../src/config.ts";
import { findVolumeDevice, isVolumeEntry, volumeSerialOf } from "../../src/node-identity/volume-device.ts";

const root = await mkdtemp(join(tmpdir(), "cirrus-by-id-"));
after(() => rm(root, { recursive: true, force: true }));

async function byIdFolder(names: string[]): Promise<string> {
  const dir = await mkdtemp(join(root, "by-id-"));
  for (const name of names) {
    await writeFile(join(dir, `${name}.blk`), "");
    await symlink(join(dir, `${name}.blk`), join(dir, name));
  }
  return dir;
}

const code = (expected: string) => (error: unknown) => (error as { code?: string }).code === expected;

describe("volume device by id", () => {
  it("derives each cloud's serial and refuses ids of another shape", () => {
    assert.equal(volumeSerialOf("aws", "vol-0123456789abcdef0"), "vol0123456789abcdef0");
    assert.equal(volumeSerialOf("aliyun", "d-bp1abc2def3ghi4jkl5m"), "bp1abc2def3ghi4jkl5m");
    assert.throws(() => volumeSerialOf("aws", "d-bp1abc2def3ghi"), code("CONFIG_INVALID"));
    assert.throws(() => volumeSerialOf("aws", "vol-../../etc"), code("CONFIG_INVALID"));
    assert.throws(() => volumeSerialOf("aliyun", "vol-0123456789abcdef0"), code("CONFIG_INVALID"));
  });

  it("matches the whole device only, never a partition or another volume", () => {
    const serial = "vol0123456789abcdef0";
    assert.ok(isVolumeEntry("aws", serial, `nvme-Amazon_Elastic_Block_Store_${serial}`));
    assert.ok(!isVolumeEntry("aws", serial, `nvme-Amazon_Elastic_Block_Store_${serial}-part1`));
    assert.ok(!isVolumeEntry("aws", serial, "nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef1"));
    assert.ok(isVolumeEntry("aliyun", "bp1abc", "virtio-bp1abc"));
    assert.ok(isVolumeEntry("aliyun", "bp1abc", "nvme-Alibaba_Cloud_Elastic_Block_Storage_bp1abc"));
    assert.ok(!isVolumeEntry("aliyun", "bp1abc", "virtio-bp1abc-part1"));
  });

  it("finds an EBS volume among NVMe devices, and an ESSD disk among virtio ones", async () => {
    const aws = await byIdFolder([
      "nvme-Amazon_Elastic_Block_Store_vol0aaaaaaaaaaaaaaaa",
      "nvme-Amazon_Elastic_Block_Store_vol0bbbbbbbbbbbbbbbb",
      "nvme-Amazon_Elastic_Block_Store_vol0bbbbbbbbbbbbbbbb-part1",
    ]);
    assert.equal(
      await findVolumeDevice({
        provider: "aws",
        volumeId: "vol-0bbbbbbbbbbbbbbbb",
        byIdRoot: aws,
        waitMs: 0,
      }),
      join(aws, "nvme-Amazon_Elastic_Block_Store_vol0bbbbbbbbbbbbbbbb"),
    );
    const aliyun = await byIdFolder(["virtio-bp1root0000000", "virtio-bp1wal00000000"]);
    assert.equal(
      await findVolumeDevice({
        provider: "aliyun",
        volumeId: "d-bp1wal00000000",
        byIdRoot: aliyun,
        waitMs: 0,
      }),
      join(aliyun, "virtio-bp1wal00000000"),
    );
  });

  it("waits for a volume still being attached", async () => {
    const dir = await byIdFolder([]);
    const name = "nvme-Amazon_Elastic_Block_Store_vol0cccccccccccccccc";
    setTimeout(() => void symlink("/dev/null", join(dir, name)), 300);
    const found = await findVolumeDevice({
      provider: "aws",
      volumeId: "vol-0cccccccccccccccc",
      byIdRoot: dir,
      waitMs: 10_000,
      pollMs: 50,
    });
    assert.equal(found, join(dir, name));
  });

  it("a volume that never appears is VOLUME_NOT_ATTACHED after the wait, naming the volume", async () => {
    const dir = await byIdFolder(["virtio-bp1other000000"]);
    const started = Date.now();
    await assert.rejects(
      findVolumeDevice({
        provider: "aliyun",
        volumeId: "d-bp1wal00000000",
        byIdRoot: dir,
        waitMs: 300,
        pollMs: 50,
      }),
      (error: Error) => code("VOLUME_NOT_ATTACHED")(error) && /d-bp1wal00000000/.test(error.message),
    );
    assert.ok(Date.now() - started >= 300);
  });
});

describe("cloud node config", () => {
  it("refuses an unknown node identity and a metadata URL that is not http(s)", () => {
    assert.throws(
      () => loadBrokerConfig({}, { CIRRUS_NODE_IDENTITY: "gcp" }),
      /CIRRUS_NODE_IDENTITY \(nodeIdentity\): "gcp" is not one of local, aws, aliyun/,
    );
    assert.throws(
      () => loadBrokerConfig({}, { CIRRUS_NODE_IDENTITY: "aws", CIRRUS_METADATA_URL: "169.254.169.254" }),
      /CIRRUS_METADATA_URL/,
    );
  });

  it("on a cloud leaves the WAL path and advertised host to the node (volume by id, private address)", () => {
    const cloud = loadBrokerConfig({}, { CIRRUS_NODE_IDENTITY: "aws", CIRRUS_VOLUME_ID: "vol-0abcdef12" });
    assert.equal(cloud.volumePath, "");
    assert.equal(cloud.advertisedHost, "");
    const unnamed = loadBrokerConfig({}, { CIRRUS_NODE_IDENTITY: "aliyun" });
    assert.equal(unnamed.volumePath, "", "no volume named: the control plane's, never the root disk");
    const local = loadBrokerConfig({}, {});
    assert.match(local.volumePath, /wal$/);
    assert.equal(local.advertisedHost, "127.0.0.1");
  });
});
