import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import type { CloudProvider, FleetSpec, Instance } from "../../src/provider.ts";
import { eventually, nextMatching } from "./eventually.ts";

/** What the suite needs from one provider under test. */
export interface ConformanceTarget {
  provider: CloudProvider;
  /** A valid spec for this provider (cloud sections filled in) with the given name and sizes. */
  fleetSpec(name: string, sizes: { min: number; max: number; desired: number }): FleetSpec;
  /** Two zones fleets may use. */
  zones: readonly [string, string];
  volumeTypes: { single: string; multi: string };
  /** Makes the cloud announce the reclaim of a spot instance. */
  reclaimSpot(instanceId: string): Promise<void>;
  /** Makes an instance carry a steady rate of bytes/s in and out from now on. */
  driveTraffic(instanceId: string, inBytesPerSecond: number, outBytesPerSecond: number): Promise<void>;
  /** How long to wait for a fleet to converge or a notice to arrive. */
  convergeMs: number;
  /** How long to let traffic run before measuring a rate. */
  trafficWindowMs: number;
  /** The window to measure over: shorter than the traffic has run, so it holds no idle time. */
  rateWindowSeconds: number;
  close(): Promise<void>;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isCloudError(error), `expected a CloudError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** The one suite every provider must pass. `factory` is called once; close() runs after the suite. */
export function runProviderConformance(label: string, factory: () => Promise<ConformanceTarget>): void {
  describe(`CloudProvider conformance: ${label}`, { timeout: 120_000 }, () => {
    let t: ConformanceTarget;
    let p: CloudProvider;
    const fleetName = () => `conf-${randomUUID().slice(0, 8)}`;

    async function runningFleet(spec: FleetSpec): Promise<Instance[]> {
      await p.createFleet(spec);
      return eventually(
        `${spec.desiredCapacity} running instances`,
        async () => {
          const all = await p.listInstances(spec.name);
          const running = all.filter((i) => i.state === "running");
          return running.length === spec.desiredCapacity && all.length === running.length
            ? running
            : undefined;
        },
        t.convergeMs,
      );
    }

    before(async () => {
      t = await factory();
      p = t.provider;
    });
    after(async () => {
      await t.close();
    });

    it("creates a fleet whose instances spread over its zones with the on-demand base and spot share", async () => {
      const spec = {
        ...t.fleetSpec(fleetName(), { min: 0, max: 4, desired: 3 }),
        onDemandBaseCapacity: 1,
        onDemandPercentageAboveBase: 0,
      };
      const instances = await runningFleet(spec);
      assert.equal(instances.filter((i) => i.lifecycle === "on-demand").length, 1);
      assert.equal(instances.filter((i) => i.lifecycle === "spot").length, 2);
      assert.deepEqual(new Set(instances.map((i) => i.zone)), new Set(t.zones));
      for (const i of instances) {
        assert.ok(i.privateAddress, "a running instance has a private address");
        assert.equal(i.fleet, spec.name);
        assert.ok(spec.instanceTypes.includes(i.instanceType));
      }
      const again = await p.createFleet(spec);
      assert.equal(again.desiredCapacity, 3, "creating again returns the existing fleet");
      assert.equal((await p.listInstances(spec.name)).length, 3, "creating again launches nothing");
      assert.ok(
        (await p.listFleets()).some((f) => f.name === spec.name && f.desiredCapacity === 3),
        "listed among the fleets",
      );
      await p.deleteFleet(spec.name);
    });

    it("keeps desired capacity within [min, max] and converges to it", async () => {
      const spec = t.fleetSpec(fleetName(), { min: 1, max: 3, desired: 1 });
      await runningFleet(spec);
      await rejectsWith(p.setDesiredCapacity(spec.name, 4), CloudErrorCode.CAPACITY_OUT_OF_RANGE);
      await rejectsWith(p.setDesiredCapacity(spec.name, 0), CloudErrorCode.CAPACITY_OUT_OF_RANGE);
      await p.setDesiredCapacity(spec.name, 3);
      await runningFleet({ ...spec, desiredCapacity: 3 });
      const updated = await p.updateFleet(spec.name, { minSize: 0, desiredCapacity: 2 });
      assert.deepEqual([updated.minSize, updated.maxSize, updated.desiredCapacity], [0, 3, 2]);
      await runningFleet({ ...spec, desiredCapacity: 2 });
      await rejectsWith(p.updateFleet(spec.name, { maxSize: 1 }), CloudErrorCode.CAPACITY_OUT_OF_RANGE);
      await p.deleteFleet(spec.name);
    });

    it("rejects bad specs and unknown fleets with typed errors", async () => {
      await rejectsWith(
        p.createFleet(t.fleetSpec("bad name!", { min: 0, max: 1, desired: 0 })),
        CloudErrorCode.INVALID_ARGUMENT,
      );
      await rejectsWith(
        p.createFleet(t.fleetSpec(fleetName(), { min: 2, max: 1, desired: 1 })),
        CloudErrorCode.INVALID_ARGUMENT,
      );
      await rejectsWith(
        p.createFleet(t.fleetSpec(fleetName(), { min: 0, max: 2, desired: 3 })),
        CloudErrorCode.CAPACITY_OUT_OF_RANGE,
      );
      await rejectsWith(p.setDesiredCapacity("no-such-fleet", 1), CloudErrorCode.FLEET_NOT_FOUND);
      await rejectsWith(p.listInstances("no-such-fleet"), CloudErrorCode.FLEET_NOT_FOUND);
      assert.equal(await p.describeFleet("no-such-fleet"), undefined);
      await p.deleteFleet("no-such-fleet"); // deleting what is gone succeeds
    });

    it("terminates a chosen instance with and without decrementing capacity, and protects from scale-in", async () => {
      const spec = t.fleetSpec(fleetName(), { min: 0, max: 3, desired: 3 });
      const [a, b, c] = await runningFleet(spec);
      await p.terminateInstance(spec.name, a!.id, { decrementCapacity: true });
      const two = await runningFleet({ ...spec, desiredCapacity: 2 });
      assert.equal((await p.describeFleet(spec.name))?.desiredCapacity, 2);
      assert.ok(!two.some((i) => i.id === a!.id));
      await p.terminateInstance(spec.name, b!.id, { decrementCapacity: false });
      const replaced = await runningFleet({ ...spec, desiredCapacity: 2 });
      assert.ok(!replaced.some((i) => i.id === b!.id), "the terminated instance is gone");
      assert.ok(
        replaced.some((i) => i.id === c!.id),
        "the other instance stays",
      );
      await p.setInstanceProtection(spec.name, [c!.id], true);
      await p.setDesiredCapacity(spec.name, 1);
      const [survivor] = await runningFleet({ ...spec, desiredCapacity: 1 });
      assert.equal(survivor!.id, c!.id, "scale-in spares the protected instance");
      assert.equal(survivor!.protectedFromScaleIn, true);
      await rejectsWith(
        p.terminateInstance(spec.name, "i-00000000000000000", { decrementCapacity: false }),
        CloudErrorCode.INSTANCE_NOT_FOUND,
      );
      await p.deleteFleet(spec.name);
      await eventually(
        "fleet gone",
        async () => ((await p.describeFleet(spec.name)) ? undefined : true),
        t.convergeMs,
      );
    });

    it("creates, attaches, moves, force-detaches and deletes volumes under the zone and multi-attach rules", async () => {
      const spec = t.fleetSpec(fleetName(), { min: 0, max: 2, desired: 2 });
      const instances = await runningFleet(spec);
      const [x, y] = [
        instances.find((i) => i.zone === t.zones[0])!,
        instances.find((i) => i.zone === t.zones[1])!,
      ];
      const token = randomUUID();
      const tags = { "cirrus:cluster": randomUUID().slice(0, 8) };
      const walSpec = {
        zone: x.zone,
        sizeGiB: 1,
        type: t.volumeTypes.single,
        multiAttach: false,
        clientToken: token,
        tags,
      };
      const vol = await p.createVolume(walSpec);
      const same = await p.createVolume(walSpec);
      assert.equal(same.id, vol.id, "the same client token creates one volume");
      const listed = await p.listVolumes(tags);
      assert.deepEqual(
        listed.map((v) => v.id),
        [vol.id],
        "listVolumes finds the volume by its tag",
      );
      assert.deepEqual(listed[0]!.tags, tags);
      assert.deepEqual(await p.listVolumes({ "cirrus:cluster": "someone-else" }), []);
      await rejectsWith(p.attachVolume(vol.id, y.id), CloudErrorCode.ZONE_MISMATCH);
      const attached = await p.attachVolume(vol.id, x.id);
      assert.deepEqual(attached.attachedTo, [x.id]);
      await rejectsWith(p.deleteVolume(vol.id), CloudErrorCode.VOLUME_IN_USE);
      await p.detachVolume(vol.id, x.id, { force: true });
      const detached = await eventually(
        "volume available",
        async () => {
          const v = await p.describeVolume(vol.id);
          return v?.state === "available" ? v : undefined;
        },
        t.convergeMs,
      );
      assert.deepEqual(detached.attachedTo, []);
      assert.equal((await p.detachVolume(vol.id, x.id)).attachedTo.length, 0, "detaching again is a no-op");
      await p.deleteVolume(vol.id);
      assert.equal((await p.describeVolume(vol.id))?.state ?? "deleted", "deleted");
      await p.deleteVolume(vol.id);
      await rejectsWith(p.attachVolume(vol.id, x.id), CloudErrorCode.VOLUME_NOT_FOUND);
      await rejectsWith(
        p.createVolume({
          zone: x.zone,
          sizeGiB: 1,
          type: "no-such-type",
          multiAttach: false,
          clientToken: randomUUID(),
        }),
        CloudErrorCode.INVALID_ARGUMENT,
      );
      const spare = await p.createVolume({
        zone: x.zone,
        sizeGiB: 1,
        type: t.volumeTypes.single,
        multiAttach: false,
        clientToken: randomUUID(),
      });
      await rejectsWith(p.attachVolume(spare.id, "i-0000000000000dead"), CloudErrorCode.INSTANCE_NOT_FOUND);
      await p.deleteVolume(spare.id);

      await rejectsWith(
        p.createVolume({
          zone: x.zone,
          sizeGiB: 1,
          type: t.volumeTypes.single,
          multiAttach: true,
          clientToken: randomUUID(),
        }),
        CloudErrorCode.MULTI_ATTACH_UNSUPPORTED,
      );
      const single = await p.createVolume({
        zone: x.zone,
        sizeGiB: 1,
        type: t.volumeTypes.single,
        multiAttach: false,
        clientToken: randomUUID(),
      });
      const shared = await p.createVolume({
        zone: x.zone,
        sizeGiB: 4,
        type: t.volumeTypes.multi,
        multiAttach: true,
        clientToken: randomUUID(),
      });
      await p.attachVolume(single.id, x.id);
      await p.attachVolume(shared.id, x.id);
      const otherSpec = { ...t.fleetSpec(fleetName(), { min: 0, max: 1, desired: 1 }), zones: [x.zone] };
      const [z] = await runningFleet(otherSpec);
      await rejectsWith(p.attachVolume(single.id, z!.id), CloudErrorCode.VOLUME_IN_USE);
      const both = await p.attachVolume(shared.id, z!.id);
      assert.deepEqual(
        new Set(both.attachedTo),
        new Set([x.id, z!.id]),
        "a multi-attach volume serves two instances",
      );
      for (const [v, i] of [
        [single, x],
        [shared, x],
        [shared, z!],
      ] as const)
        await p.detachVolume(v.id, i.id);
      await eventually(
        "volumes available",
        async () => {
          const states = await Promise.all([single, shared].map((v) => p.describeVolume(v.id)));
          return states.every((s) => s?.state === "available") ? true : undefined;
        },
        t.convergeMs,
      );
      await p.deleteVolume(single.id);
      await p.deleteVolume(shared.id);
      await p.deleteFleet(spec.name);
      await p.deleteFleet(otherSpec.name);
    });

    it("measures network rates per instance in bytes per second", async () => {
      const spec = t.fleetSpec(fleetName(), { min: 0, max: 2, desired: 2 });
      const [a, b] = await runningFleet(spec);
      await t.driveTraffic(a!.id, 4000, 2000);
      await t.driveTraffic(b!.id, 100, 300);
      await new Promise((resolve) => setTimeout(resolve, t.trafficWindowMs));
      const rates = await eventually(
        "rates for both instances",
        async () => {
          const r = await p.networkRates([a!.id, b!.id], t.rateWindowSeconds);
          return r.length === 2 ? r : undefined;
        },
        t.convergeMs,
      );
      const byId = new Map(rates.map((r) => [r.instanceId, r]));
      const near = (actual: number, expected: number) => Math.abs(actual - expected) <= expected * 0.25;
      assert.ok(
        near(byId.get(a!.id)!.inBytesPerSecond, 4000),
        `in rate ${byId.get(a!.id)!.inBytesPerSecond}`,
      );
      assert.ok(near(byId.get(a!.id)!.outBytesPerSecond, 2000));
      assert.ok(near(byId.get(b!.id)!.outBytesPerSecond, 300));
      assert.ok(byId.get(a!.id)!.from < byId.get(a!.id)!.to);
      assert.ok(p.baselineBandwidth(a!.instanceType) > 0);
      await rejectsWith(p.networkRates([a!.id], 0), CloudErrorCode.INVALID_ARGUMENT);
      await p.deleteFleet(spec.name);
    });

    it("streams spot reclaim and termination-hook notices, and completes lifecycle actions", async () => {
      const spec: FleetSpec = {
        ...t.fleetSpec(fleetName(), { min: 0, max: 2, desired: 2 }),
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBase: 0,
        terminationHook: { heartbeatTimeoutSeconds: 300, defaultResult: "CONTINUE" },
      };
      const notices = p.interruptions();
      const iterator = notices[Symbol.asyncIterator]();
      try {
        const [a, b] = await runningFleet(spec);
        await t.reclaimSpot(a!.id);
        const reclaim = await nextMatching(
          iterator,
          (n) => n.kind === "spot-reclaim" && n.instanceId === a!.id,
          t.convergeMs,
        );
        assert.equal(reclaim.fleet, spec.name);
        assert.ok(
          reclaim.deadline && reclaim.deadline > Date.now() - 60_000,
          "a reclaim notice carries its deadline",
        );

        await p.terminateInstance(spec.name, b!.id, { decrementCapacity: true });
        const hook = await nextMatching(
          iterator,
          (n) => n.kind === "lifecycle-terminate" && n.instanceId === b!.id,
          t.convergeMs,
        );
        assert.ok(hook.lifecycle, "a lifecycle notice names its hook");
        const waiting = (await p.listInstances(spec.name)).find((i) => i.id === b!.id);
        assert.equal(waiting?.state, "terminating", "the instance waits on the hook");
        const ref = {
          fleet: spec.name,
          instanceId: b!.id,
          hookName: hook.lifecycle.hookName,
          token: hook.lifecycle.token,
        };
        await rejectsWith(
          p.completeLifecycleAction({ ...ref, token: randomUUID() }, "CONTINUE"),
          CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
        );
        await p.recordLifecycleHeartbeat(ref);
        await p.completeLifecycleAction(ref, "CONTINUE");
        await eventually(
          "hooked instance gone",
          async () => {
            const ids = (await p.listInstances(spec.name)).map((i) => i.id);
            return ids.includes(b!.id) ? undefined : true;
          },
          t.convergeMs,
        );
        await rejectsWith(
          p.completeLifecycleAction(ref, "CONTINUE"),
          CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
        );
      } finally {
        notices.close();
      }
      assert.equal((await iterator.next()).done, true, "a closed subscription ends");
      await p.deleteFleet(spec.name);
    });

    it("deletes a fleet with every instance", async () => {
      const spec = t.fleetSpec(fleetName(), { min: 1, max: 2, desired: 2 });
      await runningFleet(spec);
      await p.deleteFleet(spec.name);
      await eventually(
        "fleet deleted",
        async () => ((await p.describeFleet(spec.name)) ? undefined : true),
        t.convergeMs,
      );
      await rejectsWith(p.listInstances(spec.name), CloudErrorCode.FLEET_NOT_FOUND);
      await p.deleteFleet(spec.name);
    });
  });
}
