import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { walVolumeOfInstance } from "../../src/node-identity/wal-volume-of-instance.ts";

describe("the WAL volume the control plane attached for an instance", () => {
  let dir: string;
  let byId: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-wal-of-instance-"));
    byId = join(dir, "by-id");
    await mkdir(byId);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const quiet = () => {};

  it("asks until the control plane names a volume, then opens its device found by id", async () => {
    const blk = join(dir, "vol-0aa00000000000001.blk");
    await writeFile(blk, "");
    let asked = 0;
    const found = await walVolumeOfInstance({
      provider: "aws",
      instanceId: "i-0123",
      askControlPlane: async (instanceId) => {
        assert.equal(instanceId, "i-0123");
        asked++;
        if (asked < 3) return { volumeId: null };
        // The device appears a little after the control plane recorded the attach.
        setTimeout(
          () => void symlink(blk, join(byId, "nvme-Amazon_Elastic_Block_Store_vol0aa00000000000001")),
          50,
        );
        return { volumeId: "vol-0aa00000000000001" };
      },
      byIdRoot: byId,
      waitMs: 5_000,
      pollMs: 20,
      log: quiet,
    });
    assert.equal(asked, 3);
    assert.deepEqual(found, {
      volumeId: "vol-0aa00000000000001",
      volumePath: join(byId, "nvme-Amazon_Elastic_Block_Store_vol0aa00000000000001"),
    });
  });

  it("gives up with VOLUME_NOT_ATTACHED when none is named in time", async () => {
    await assert.rejects(
      walVolumeOfInstance({
        provider: "aliyun",
        instanceId: "i-bp1",
        askControlPlane: async () => ({ volumeId: null }),
        byIdRoot: byId,
        waitMs: 100,
        pollMs: 20,
        log: quiet,
      }),
      (error: Error & { code?: string }) =>
        error.code === "VOLUME_NOT_ATTACHED" &&
        /named no WAL volume for instance i-bp1 within 100 ms/.test(error.message),
    );
  });

  it("gives up with VOLUME_NOT_ATTACHED when the named volume's device never appears", async () => {
    await assert.rejects(
      walVolumeOfInstance({
        provider: "aliyun",
        instanceId: "i-bp2",
        askControlPlane: async () => ({ volumeId: "d-bp2missing" }),
        byIdRoot: byId,
        waitMs: 100,
        pollMs: 20,
        log: quiet,
      }),
      (error: Error & { code?: string }) =>
        error.code === "VOLUME_NOT_ATTACHED" && /volume d-bp2missing/.test(error.message),
    );
  });

  it("asks again after a retriable failure, stops at once on a refusal", async () => {
    const blk = join(dir, "vol-0bb00000000000002.blk");
    await writeFile(blk, "");
    await symlink(blk, join(byId, "nvme-Amazon_Elastic_Block_Store_vol0bb00000000000002"));
    let calls = 0;
    const logged: string[] = [];
    const found = await walVolumeOfInstance({
      provider: "aws",
      instanceId: "i-0bb",
      askControlPlane: async () => {
        if (calls++ === 0) throw Object.assign(new Error("connection refused"), { retriable: true });
        return { volumeId: "vol-0bb00000000000002" };
      },
      byIdRoot: byId,
      waitMs: 5_000,
      pollMs: 20,
      log: (message) => logged.push(message),
    });
    assert.equal(found.volumeId, "vol-0bb00000000000002");
    assert.match(logged.join("\n"), /asking for the WAL volume of i-0bb failed \(1\), asking again/);

    let refusals = 0;
    await assert.rejects(
      walVolumeOfInstance({
        provider: "aws",
        instanceId: "i-0cc",
        askControlPlane: async () => {
          refusals++;
          throw Object.assign(new Error("this credential belongs to instance i-0bb"), { retriable: false });
        },
        byIdRoot: byId,
        waitMs: 5_000,
        pollMs: 20,
        log: quiet,
      }),
      /belongs to instance i-0bb/,
    );
    assert.equal(refusals, 1, "a refusal is not asked again");
  });
});
