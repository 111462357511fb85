// The control plane stopped in the middle of a cluster's create, failover and delete on an emulated region, and
// started again on the same database and port (brokers keep the URL in their user data): the next one finishes
// each job from its operation rows and the cloud's state, with nothing doubled and nothing left. One set of
// scenarios, run on each region (aws-cluster-restart.test.ts, aliyun-cluster-restart.test.ts). The stop is
// composeControlPlane's close() (controllers stopped between passes, no SIGKILL: the fakes live in the test
// process), so a step cut in the middle of a cloud call is not covered.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { freePort, waitFor } from "../cluster.ts";
import {
  type ControlPlaneChoice,
  consume,
  type EmulatedCloud,
  type EmulatedClusterKit,
  produce,
} from "./emulated-cluster-kit.ts";

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
      kit = await open(options);
    });
    after(async () => {
      await kit?.close();
    });

    it("create: stopped once the group exists; the next control plane brings up 3 brokers, nothing doubled", async () => {
      await kit.createCluster("restarted", kit.spec({ min: 3, max: 4 }));
      await waitFor(
        "the group",
        async () => (kit.cloud.leftovers().groups.length === 1 ? true : undefined),
        15_000,
      );
      await restart();
      const live = await kit.runningWith(3, "3 ACTIVE brokers after the restart");
      kit.assertBrokersMatchInstances(live);
      const left = kit.cloud.leftovers();
      assert.equal(left.groups.length, 1, "one group");
      assert.equal(left.launchTemplates.length, 1, "one launch template or scaling configuration");
      assert.equal(left.runningInstances.length, 3, "no instance launched twice");
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
