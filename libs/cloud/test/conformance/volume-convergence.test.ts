import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { AliyunProvider } from "../../src/aliyun/aliyun-provider.ts";
import { AwsProvider } from "../../src/aws/aws-provider.ts";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import type { CloudProvider } from "../../src/provider.ts";
import { fakeCms, fakeEcs } from "../fakes/aliyun-fake-ecs-cms.ts";
import { fakeEss } from "../fakes/aliyun-fake-ess.ts";
import { FakeAliyunAccount } from "../fakes/aliyun-fake-state.ts";
import { fakeAwsClients } from "../fakes/aws-fake-clients.ts";
import { FakeAwsAccount } from "../fakes/aws-fake-state.ts";
import type { FakeTiming } from "../fakes/fake-timing.ts";

/** The documented delays, scaled down: EBS creating/NotFound/detaching; ECS Creating, DetachDisk ~60 s. */
const TIMING: FakeTiming = { volumeCreatingMs: 200, newIdNotFoundMs: 80, detachingMs: 400 };

interface Cloud {
  provider: CloudProvider;
  zone: string;
  volumeType: string;
  /** Two running instances in `zone`, launched straight into the fake account. */
  instances: [string, string];
}

function awsCloud(): Cloud {
  const account = new FakeAwsAccount();
  account.timing = { ...TIMING };
  const zone = account.zones[0];
  return {
    provider: new AwsProvider({ region: "us-east-1", pollIntervalMs: 20, clients: fakeAwsClients(account) }),
    zone,
    volumeType: "gp3",
    instances: [
      account.launchInstance(zone, "m6i.large", false).id,
      account.launchInstance(zone, "m6i.large", false).id,
    ],
  };
}

function aliyunCloud(): Cloud {
  const account = new FakeAliyunAccount();
  account.timing = { ...TIMING };
  const zone = account.zones[0];
  return {
    provider: new AliyunProvider({
      regionId: account.regionId,
      pollIntervalMs: 20,
      clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms: fakeCms(account) },
    }),
    zone,
    volumeType: "cloud_essd",
    instances: [
      account.launch(zone, "ecs.g7.large", "NoSpot").id,
      account.launch(zone, "ecs.g7.large", "NoSpot").id,
    ],
  };
}

const converging = (e: unknown) => isCloudError(e, CloudErrorCode.CONVERGING) && e.retriable;

/**
 * The fakes' clock (their Date.now) moves only when the test ticks it, so a machine stalled under load cannot
 * outlast a delay between two checks; each transient state is also checked 1 ms before its delay ends.
 */
function handClock(t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
  return (ms) => t.mock.timers.tick(ms);
}

for (const [name, make] of [
  ["aws", awsCloud],
  ["aliyun", aliyunCloud],
] as const) {
  describe(`${name}: volumes converge (injected create, NotFound and detach delays)`, () => {
    it("a new volume is not attached before it is available; a fresh id may be NotFound for a moment", async (t) => {
      const tick = handClock(t);
      const cloud = make();
      try {
        const volume = await cloud.provider.createVolume({
          zone: cloud.zone,
          sizeGiB: 20,
          type: cloud.volumeType,
          multiAttach: false,
          clientToken: "c1/i-1",
        });
        assert.equal(
          await cloud.provider.describeVolume(volume.id),
          undefined,
          "NotFound right after create",
        );
        await assert.rejects(cloud.provider.attachVolume(volume.id, cloud.instances[0]), (e) =>
          isCloudError(e, CloudErrorCode.VOLUME_NOT_FOUND),
        );
        tick(TIMING.newIdNotFoundMs - 1);
        assert.equal(
          await cloud.provider.describeVolume(volume.id),
          undefined,
          "still NotFound, 1 ms before",
        );
        tick(1);
        assert.equal((await cloud.provider.describeVolume(volume.id))?.state, "creating");
        await assert.rejects(cloud.provider.attachVolume(volume.id, cloud.instances[0]), converging);
        tick(TIMING.volumeCreatingMs - TIMING.newIdNotFoundMs - 1);
        assert.equal(
          (await cloud.provider.describeVolume(volume.id))?.state,
          "creating",
          "still, 1 ms before",
        );
        await assert.rejects(cloud.provider.attachVolume(volume.id, cloud.instances[0]), converging);
        tick(1);
        const attached = await cloud.provider.attachVolume(volume.id, cloud.instances[0]);
        assert.deepEqual(attached.attachedTo, [cloud.instances[0]]);
      } finally {
        await cloud.provider.close();
      }
    });

    it("a volume being detached is attached elsewhere or deleted only once the detach finished", async (t) => {
      const tick = handClock(t);
      const cloud = make();
      try {
        const volume = await cloud.provider.createVolume({
          zone: cloud.zone,
          sizeGiB: 20,
          type: cloud.volumeType,
          multiAttach: false,
          clientToken: "c1/i-2",
        });
        tick(TIMING.volumeCreatingMs);
        await cloud.provider.attachVolume(volume.id, cloud.instances[0]);
        const detaching = await cloud.provider.detachVolume(volume.id, cloud.instances[0], { force: true });
        assert.deepEqual(detaching.attachedTo, [], "a detaching attachment no longer counts");
        // Sent again on the next pass: a no-op, not an error.
        await cloud.provider.detachVolume(volume.id, cloud.instances[0], { force: true });
        await assert.rejects(cloud.provider.attachVolume(volume.id, cloud.instances[1]), converging);
        await assert.rejects(cloud.provider.deleteVolume(volume.id), converging);
        tick(TIMING.detachingMs - 1);
        await assert.rejects(
          cloud.provider.attachVolume(volume.id, cloud.instances[1]),
          converging,
          "1 ms before",
        );
        tick(1);
        const moved = await cloud.provider.attachVolume(volume.id, cloud.instances[1]);
        assert.deepEqual(moved.attachedTo, [cloud.instances[1]]);
        await cloud.provider.detachVolume(volume.id, cloud.instances[1], { force: true });
        tick(TIMING.detachingMs - 1);
        await assert.rejects(cloud.provider.deleteVolume(volume.id), converging, "1 ms before");
        tick(1);
        await cloud.provider.deleteVolume(volume.id);
        assert.equal(await cloud.provider.describeVolume(volume.id), undefined);
      } finally {
        await cloud.provider.close();
      }
    });
  });
}
