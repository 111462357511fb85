// A Kafka client bootstraps once and then talks to the addresses brokers advertise. This keeps one idempotent
// producer (acks=all) writing, bootstrapped from the cluster's ONE stable address (the local provider's
// forwarding port), while a broker is replaced and while `npm start` is stopped (Ctrl-C: every broker stops)
// and started again on the same data folder: local brokers keep their slot's ports, so the producer finds
// them again without a new bootstrap, and `npm start` prints the same `bootstrap:` line both times.
// Every acknowledged record is then read back.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readLocalBootstrapAddress } from "@cirrus/cloud";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import { createTopicViaApi, waitForLeaders } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const PARTITIONS = 3;
const BATCH = 100;
/** Acks wanted before the first disruption and after each one. */
const STEP = 500;

function kcatList(bootstrap: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kcat", ["-b", bootstrap, "-L"], { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kcat -L: ${error.message} ${stderr}`)) : resolve(stdout),
    );
  });
}

describe("one stable bootstrap across a broker replacement and an npm start restart", {
  timeout: 280_000,
}, () => {
  test("the producer keeps going on the addresses it learnt; the bootstrap line does not change", {
    timeout: 270_000,
  }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-stable-bootstrap-"));
    const env = { BROKER_LEASE_MS: "3000" };
    let cluster: StartedCluster | undefined;
    try {
      cluster = await startCluster({ brokers: 3, dataDir: dir, env });
      const port = Number(new URL(cluster.apiUrl).port);
      const firstLine = cluster.bootstrap;
      const fleet = `cirrus-${cluster.clusterId}`;
      const stable = readLocalBootstrapAddress(dir, fleet);
      assert.ok(stable, "the local provider has a bootstrap address for the cluster");
      assert.match(await kcatList(stable), /3 brokers:/, "the stable address answers Metadata");
      await createTopicViaApi(cluster, "stable", PARTITIONS);

      let acked = 0;
      const until = (n: number, what: string) =>
        waitFor(what, async () => (acked >= n ? true : undefined), 90_000);
      let done = false;
      let failure: unknown;
      const steps: Record<string, number> = {};
      const disruption = (async () => {
        await until(STEP, "first acks");
        // A replaced broker comes back on its slot's port.
        const old = cluster!.brokers[0]!;
        const replacement = await cluster!.restartBroker(0);
        assert.notEqual(replacement.instanceId, old.instanceId);
        assert.equal(`${replacement.host}:${replacement.port}`, `${old.host}:${old.port}`);
        steps.replaced = acked;
        await until(steps.replaced + STEP, "acks after the replacement");
        // Ctrl-C: npm start stops every broker; then it starts again on the same folder and port.
        const before = [...cluster!.brokers].map((b) => `${b.host}:${b.port}`).sort();
        assert.equal((await cluster!.stop()).orphans, 0);
        cluster = undefined;
        steps.stopped = acked;
        cluster = await startCluster({ brokers: 3, dataDir: dir, port, env });
        steps.restarted = acked;
        assert.equal(cluster.bootstrap, firstLine, "npm start prints the same bootstrap line");
        assert.equal(readLocalBootstrapAddress(dir, fleet), stable);
        assert.deepEqual(cluster.brokers.map((b) => `${b.host}:${b.port}`).sort(), before);
        await waitForLeaders(cluster, "stable", 60_000);
        await until(steps.restarted + STEP, "acks after npm start came back");
        assert.match(await kcatList(stable), /3 brokers:/);
      })()
        .catch((error: unknown) => {
          failure = error;
        })
        .finally(() => {
          done = true;
        });
      const production = await produceCountingAcks({
        bootstrap: stable,
        topic: "stable",
        batch: BATCH,
        timeoutMs: 240_000,
        keepGoing: (n) => {
          acked = n;
          return !done;
        },
      });
      await disruption;
      if (failure) throw failure;
      t.diagnostic(
        JSON.stringify({ ...steps, acked: production.acked.size, unacked: production.unacked.size }),
      );
      assert.ok(production.acked.size >= steps.restarted! + STEP, `acked ${production.acked.size}`);

      const present = new Set((await readWholeTopic(firstLine, "stable")).map((r) => Number(r.value)));
      const lost = [...production.acked].filter((n) => !present.has(n));
      assert.deepEqual(lost.slice(0, 5), [], `${lost.length} acknowledged records lost`);
    } finally {
      if (cluster) assert.equal((await cluster.stop()).orphans, 0);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
