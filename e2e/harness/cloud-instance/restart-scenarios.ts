// The control plane stopped in the middle of a cluster's create, failover and delete on an emulated region, and
// started again on the same database and port (brokers keep the URL in their user data): the next one finishes
// each job from its operation rows and the cloud's state, with nothing doubled and nothing left. One set of
// scenarios, run on each region (aws-cluster-restart.test.ts, aliyun-cluster-restart.test.ts). The stop is
// composeControlPlane's close() (controllers stopped between passes, no SIGKILL: the fakes live in the test
// process), so a step cut in the middle of a cloud call is not covered. The create is cut at a fixed point: the
// first control plane's runner halts once provision-resources is written SUCCEEDED (config testHaltAfterStep),
// so the fleet is requested and no broker can have registered (no WAL volume exists yet), whatever the load.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, waitFor } from "../cluster.ts";
import {
  type ControlPlaneChoice,
  consume,
  type EmulatedCloud,
  type EmulatedClusterKit,
  produce,
} from "./emulated-cluster-kit.ts";

/** Where the first control plane cuts the create: the fleet is requested, the brokers are not yet waited for. */
const CREATE_CUT = "cluster.create:provision-resources";

export function describeControlPlaneRestarts(
  cloud: "aws" | "aliyun",
  open: (options: ControlPlaneChoice) => Promise<EmulatedClusterKit<EmulatedCloud>>,
): void {
  describe(`a control plane restarted during an ${cloud} cluster's create, failover and delete`, {
    timeout: 240_000,
  }, () => {
    let kit: EmulatedClusterKit<EmulatedCloud>;
    let options: { restartable: { port: number; adminToken: string }; leaseMs: number };
    const restart = async () => {
      await kit.cp.close();
      await kit.startControlPlane(options);
    };

    before(async () => {
      options = {
        restartable: { port: await freePort(), adminToken: `cpt_restart_${randomBytes(16).toString("hex")}` },
        leaseMs: 5_000,
      };
      // Only this first control plane cuts the create; restart() starts the next ones without a cut.
      kit = await open({ ...options, haltAfterStep: CREATE_CUT });
    });
    after(async () => {
      await kit?.close();
    });

    it("create: cut after provision-resources, before any broker registered; the next control plane brings up 3 brokers, nothing doubled", async () => {
      await kit.createCluster("restarted", kit.spec({ min: 3, max: 4 }));
      const at = await Promise.race([
        kit.cp.composed.controlPlane.runner.halted(),
        sleep(60_000, undefined, { ref: false }).then(() =>
          assert.fail(`the runner did not halt after ${CREATE_CUT}`),
        ),
      ]);
      // The cut, as it stands: the fleet requested, the next step never started, no volume and no broker yet.
      const create = (await kit.operations()).find((op) => op.id === at.operationId);
      assert.equal(create?.type, "cluster.create");
      assert.deepEqual(
        create?.steps.map((step) => [step.name, step.status, step.startedAt === null]),
        [
          ["provision-resources", "SUCCEEDED", false],
          ["wait-for-brokers", "PENDING", true],
        ],
      );
      const cut = kit.cloud.leftovers();
      assert.equal(cut.groups.length, 1, "the group was requested before the cut");
      assert.deepEqual(cut.volumes, [], "no WAL volume before the cut");
      assert.deepEqual(await kit.brokers(), [], "no broker registered before the cut");
      await restart();
      const live = await kit.runningWith(3, "3 ACTIVE brokers after the restart");
      kit.assertBrokersMatchInstances(live);
      const left = kit.cloud.leftovers();
      assert.equal(left.groups.length, 1, "one group");
      assert.equal(left.launchTemplates.length, 1, "one launch template or scaling configuration");
      assert.equal(left.runningInstances.length, 3, "no instance launched twice");
      assert.equal(left.volumes.length, 3, "no WAL volume made twice");
      const finished = (await kit.operations()).find((op) => op.id === at.operationId);
      assert.equal(finished?.status, "SUCCEEDED", "the next control plane finished the cut create");
      assert.deepEqual(
        kit.cloud.volumeHolders().sort(),
        [...left.runningInstances].sort(),
        "one WAL volume per instance, attached to it",
      );
      await kit.roundTrip(live, "restart-create", 100);
    });

    it("failover: stopped while broker.failover runs; the next one replays the WAL, every acked record read", async () => {
      const dead = await kit.topicWithLeader("restart-wal");
      const values = Array.from({ length: 300 }, (_, i) => `wal-${i}`);
      await produce(`${dead.host}:${dead.port}`, "restart-wal", values);
      await kit.cloud.crash(dead.instanceId);
      await kit.failoverOf(dead.brokerId, "broker.failover to start", undefined, 30_000);
      await restart();
      await kit.failoverOf(dead.brokerId, "broker.failover to succeed after the restart", "SUCCEEDED");
      const now = await kit.newLeaderOf("restart-wal", dead.brokerId);
      assert.deepEqual(await consume(`${now.host}:${now.port}`, "restart-wal", values.length), values);
    });

    it("delete: stopped right after the group's delete was served; the next one finishes, nothing left", async () => {
      const deleted = await kit.cp.api("DELETE", `/v1/clusters/${kit.clusterId}`);
      assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
      await waitFor(
        "the scaling group's delete",
        async () => (kit.cloud.groupDeleteServed() ? true : undefined),
        30_000,
      );
      await restart();
      await kit.assertNothingLeft();
    });
  });
}
