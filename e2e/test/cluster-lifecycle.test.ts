// The provisioner end to end, with real processes: `POST /v1/clusters` on the local provider starts three
// real brokers that kcat produces to and consumes from within 15 s of the request; `DELETE` stops every broker
// process and frees every WAL volume; and a control plane SIGKILLed in the middle of a create or a delete
// finishes the job when it is started again, with nothing orphaned.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

interface ClusterView {
  id: string;
  name: string;
  state: string;
  bootstrap: string | null;
}

function spec(dataDir: string, brokers: number) {
  return {
    provider: "local",
    region: "local",
    zones: ["local-a", "local-b", "local-c"],
    instanceTypes: ["local"],
    spot: { share: 0, onDemandBase: 0 },
    brokers: { min: brokers, max: brokers },
    scaling: {
      highWatermarkBytesPerSec: 50_000_000,
      lowWatermarkBytesPerSec: 5_000_000,
      cooldownSeconds: 300,
    },
    objectStore: { uri: `file://${join(dataDir, "objects")}` },
    walVolumeGiB: 1,
  };
}

function kcat(args: string[], input?: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("kcat", args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`kcat ${args.join(" ")}: ${error.message} ${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(input ?? "");
  });
}

/** Produces `values` to `topic` (acks=all) and reads them back from the beginning. */
async function roundTrip(bootstrap: string, topic: string, values: string[]): Promise<string[]> {
  await kcat(["-b", bootstrap, "-t", topic, "-P", "-X", "acks=all"], `${values.join("\n")}\n`);
  const out = await kcat([
    "-b",
    bootstrap,
    "-t",
    topic,
    "-C",
    "-o",
    "beginning",
    "-c",
    String(values.length),
    "-e",
    "-q",
  ]);
  return out.split("\n").filter((line) => line.length > 0);
}

async function clusterOf(h: StartedCluster, id: string): Promise<ClusterView | undefined> {
  const answer = await h.api<ClusterView>("GET", `/v1/clusters/${id}`);
  return answer.status === 200 ? answer.body : undefined;
}

async function createCluster(h: StartedCluster, name: string): Promise<string> {
  const created = await h.api<{ cluster: ClusterView }>("POST", "/v1/clusters", {
    name,
    spec: spec(h.dataDir, 3),
    deletionProtection: false,
  });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  return created.body.cluster.id;
}

describe("cluster lifecycle on the local provider", { timeout: 240_000 }, () => {
  let h: StartedCluster;
  before(async () => {
    h = await startCluster({ brokers: 0 });
  });
  after(async () => {
    const { orphans } = await h.stop();
    assert.equal(orphans, 0, "stopping the control plane leaves no broker process");
  });

  test("POST /v1/clusters: 3 brokers kcat produces to and consumes from within 15 s; DELETE frees everything", async () => {
    const requested = performance.now();
    const id = await createCluster(h, "lifecycle");
    const running = await waitFor(
      "the cluster to run",
      async () => {
        const c = await clusterOf(h, id);
        return c?.state === "RUNNING" && c.bootstrap ? c : undefined;
      },
      15_000,
    );
    const values = Array.from({ length: 20 }, (_, i) => `record-${i}`);
    const read = await waitFor(
      "a produce/consume round trip",
      () => roundTrip(running.bootstrap!, "lifecycle", values),
      15_000,
    );
    const elapsedMs = Math.round(performance.now() - requested);
    process.stderr.write(`cluster-lifecycle: POST /v1/clusters → kcat round trip in ${elapsedMs} ms\n`);
    assert.deepEqual(read, values);
    assert.ok(elapsedMs < 15_000, `produce+consume ${elapsedMs} ms after the request`);
    assert.equal(running.bootstrap!.split(",").length, 3);
    assert.equal(h.processes().length, 3, JSON.stringify(h.processes()));
    // One WAL volume per broker (more only if a broker died at start and the fleet replaced it).
    assert.ok(h.volumes().length >= 3, JSON.stringify(h.volumes()));

    const deletion = await h.api("DELETE", `/v1/clusters/${id}`);
    assert.equal(deletion.status, 202, JSON.stringify(deletion.body));
    await waitFor(
      "the cluster to be gone",
      async () => ((await clusterOf(h, id)) ? undefined : true),
      60_000,
    );
    assert.deepEqual(h.processes(), [], "every broker process stopped");
    assert.deepEqual(h.volumes(), [], "every volume freed");
  });

  test("SIGKILL of the control plane during create: a restart finishes it, nothing doubled or orphaned", async () => {
    const id = await createCluster(h, "crash-create");
    // Kill it as soon as the fleet started launching brokers (mid-create: volumes and registration pending).
    await waitFor("the first broker process", async () => h.processes().length > 0 || undefined, 15_000);
    await h.killControlPlane("SIGKILL");
    await h.restartControlPlane();
    const running = await waitFor(
      "the cluster to run after the restart",
      async () => {
        const c = await clusterOf(h, id);
        return c?.state === "RUNNING" && c.bootstrap ? c : undefined;
      },
      60_000,
    );
    assert.equal(
      h.processes().length,
      3,
      `exactly the cluster's three brokers: ${JSON.stringify(h.processes())}`,
    );
    assert.ok(h.volumes().length >= 3, `a WAL volume per broker: ${JSON.stringify(h.volumes())}`);
    const values = ["a", "b", "c"];
    assert.deepEqual(
      await waitFor("a round trip", () => roundTrip(running.bootstrap!, "after-crash", values), 15_000),
      values,
    );
  });

  test("SIGKILL of the control plane during delete: a restart finishes it, no process or volume left", async () => {
    const list = await h.api<{ items: ClusterView[] }>("GET", "/v1/clusters");
    const id = list.body.items.find((c) => c.name === "crash-create")!.id;
    const deletion = await h.api<{ operation: { id: string } }>("DELETE", `/v1/clusters/${id}`);
    assert.equal(deletion.status, 202);
    // Kill it once deprovisioning began (brokers being terminated).
    await waitFor(
      "deprovisioning to start",
      async () => {
        const op = await h.api<{ steps: { name: string; status: string }[] }>(
          "GET",
          `/v1/operations/${deletion.body.operation.id}`,
        );
        return (
          op.body.steps.some((s) => s.name === "deprovision-resources" && s.status !== "PENDING") || undefined
        );
      },
      30_000,
    );
    await h.killControlPlane("SIGKILL");
    await h.restartControlPlane();
    await waitFor(
      "the cluster to be gone",
      async () => ((await clusterOf(h, id)) ? undefined : true),
      60_000,
    );
    const op = await h.api<{ status: string }>("GET", `/v1/operations/${deletion.body.operation.id}`);
    assert.equal(op.body.status, "SUCCEEDED");
    assert.deepEqual(h.processes(), []);
    assert.deepEqual(h.volumes(), []);
  });
});
