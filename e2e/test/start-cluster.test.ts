// The harness itself, through `npm start`'s own script: startCluster({ brokers: 3 }) gives a running cluster
// (printed bootstrap, console and a working admin token), brokers can be killed and restarted (the fleet
// replaces them), and stop() leaves no process behind.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

function kcatList(bootstrap: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kcat", ["-b", bootstrap, "-L"], { timeout: 10_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message} ${stderr}`)) : resolve(stdout),
    );
  });
}

describe("startCluster harness", { timeout: 180_000 }, () => {
  let h: StartedCluster;
  before(async () => {
    h = await startCluster({ brokers: 3 });
  });
  after(async () => {
    const { orphans } = await h.stop();
    assert.equal(orphans, 0);
  });

  test("a 3-broker cluster whose brokers all answer Kafka metadata, reachable with the admin token", async () => {
    assert.equal(h.bootstrap.split(",").length, 3);
    assert.equal(h.brokers.length, 3);
    assert.ok(h.brokers.every((b) => b.pid !== undefined && b.host === "127.0.0.1"));
    // A broker answers Metadata from its cache (at most 1 s old, MetadataCache's maxAgeMs): right after the
    // control plane reports three ACTIVE brokers, a view read just before the third became ACTIVE may still
    // list two. Wait out a few cache ages, not forever.
    const metadata = await waitFor(
      "kcat -L to list all 3 brokers",
      async () => {
        const listed = await kcatList(h.bootstrap);
        return /3 brokers:/.test(listed) ? listed : undefined;
      },
      5_000,
    );
    assert.match(metadata, /3 brokers:/);
    const clusters = await h.api<{ items: { id: string; state: string }[] }>("GET", "/v1/clusters");
    assert.equal(clusters.status, 200);
    assert.deepEqual(
      clusters.body.items.map((c) => [c.id, c.state]),
      [[h.clusterId, "RUNNING"]],
    );
    assert.equal((await fetch(`${h.apiUrl}/v1/clusters`)).status, 401, "the API needs a token");
  });

  test("killBroker and restartBroker: the fleet replaces the broker with a new instance", async () => {
    const killed = h.brokers[1]!;
    await h.killBroker(1, "SIGKILL");
    assert.ok(!h.processes().some((p) => p.pid === killed.pid));
    await waitFor(
      "a replacement for the killed broker",
      async () => (h.processes().length === 3 ? true : undefined),
      30_000,
    );
    await waitFor(
      "three live brokers",
      async () => ((await h.refreshBrokers()).length === 3 ? true : undefined),
      30_000,
    );
    const old = h.brokers[0]!;
    const replacement = await h.restartBroker(0);
    assert.notEqual(replacement.instanceId, old.instanceId);
    assert.ok(replacement.pid);
    assert.equal(h.processes().length, 3);
    // Each live broker has its own WAL volume; a stopped broker's volume stays until failover replayed it.
    assert.ok(h.volumes().length >= 3, `${h.volumes().length} volumes`);
  });
});

describe("npm start on a data folder used before", { timeout: 180_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-e2e-reuse-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("reuses its cluster and its first admin token, and starts the brokers again", async () => {
    const first = await startCluster({ brokers: 3, dataDir: dir });
    const { clusterId, token } = first;
    assert.equal((await first.stop()).orphans, 0);
    assert.deepEqual(first.processes(), [], "Ctrl-C (SIGTERM) stopped every broker");
    const second = await startCluster({ brokers: 3, dataDir: dir, port: Number(new URL(first.apiUrl).port) });
    try {
      assert.equal(second.clusterId, clusterId, "the same cluster");
      assert.equal(second.token, token, "the first admin token is printed again");
      assert.equal(second.bootstrap.split(",").length, 3);
      // The new brokers answer; the stopped ones stay listed until their leases run out (broker side).
      const answering = second.bootstrap.split(",")[0]!;
      const metadata = await kcatList(answering);
      assert.ok(metadata.includes(`at ${answering}`), metadata);
    } finally {
      assert.equal((await second.stop()).orphans, 0);
    }
  });
});
