// Broker produce path, OpenMessaging-style (1 KiB records, 1 topic, 16 partitions, acks=all), driven by the
// librdkafka load generator in e2e/harness/native (a separate C process, so the generator is not the
// bottleneck). Three runs on this machine:
//   1. max throughput of one broker (a child process, WAL on this disk, objects on tmpfs), producer only;
//   2. the same workload against librdkafka's in-memory mock cluster (no I/O): the reference ceiling;
//   3. produce and end-to-end p99 latency on the broker at a fixed 50 MiB/s with a consumer reading along.
// Prints one JSON line with our figures, the reference and their ratio.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { ControlPlane, loadConfig } from "@cirrus/control-plane";
import { NativeTool, nativeTool } from "../harness/native-tools.ts";
import { printResult, quick, round } from "./s3stream-bench-kit.ts";

const run = promisify(execFile);
const TOPIC = "bench";
const PARTITIONS = 16;
const RECORD_BYTES = 1024;
const seconds = quick ? 3 : 15;
const latencyRateMiBps = 50;
const ADMIN = "cpt_broker-bench-admin-token-0123456789";
const repo = join(import.meta.dirname, "..", "..");

interface GeneratorResult {
  records: number;
  acked: number;
  consumed: number;
  errors: number;
  seconds: number;
  mibPerSec: number;
  produceP50Ms: number;
  produceP99Ms: number;
  e2eP50Ms: number;
  e2eP99Ms: number;
}

async function generate(
  bootstrap: string,
  rateRecordsPerSec: number,
  consume: boolean,
): Promise<GeneratorResult> {
  const tool = nativeTool(NativeTool.openMessaging);
  const args = [
    bootstrap,
    TOPIC,
    String(PARTITIONS),
    String(RECORD_BYTES),
    String(seconds),
    String(rateRecordsPerSec),
  ];
  const { stdout } = await run(tool, [...args, consume ? "1" : "0"], { timeout: (seconds + 60) * 1000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as GeneratorResult;
}

function waitForBootstrap(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${err}`)), 60_000);
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const match = /bootstrap: (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}):\n${err}`)));
  });
}

const dir = await mkdtemp(join(tmpdir(), "cirrus-broker-bench-"));
const objects = await mkdtemp(
  join(existsSync("/dev/shm") ? "/dev/shm" : dir, "cirrus-broker-bench-objects-"),
);
const children: ChildProcess[] = [];
let cp: ControlPlane | undefined;
try {
  // The reference first, on an idle machine like our own run.
  const mock = spawn(nativeTool(NativeTool.mockCluster), ["1", TOPIC, String(PARTITIONS)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(mock);
  const mockBootstrap = await waitForBootstrap(mock, "mock cluster");
  const reference = await generate(mockBootstrap, 0, false);
  mock.stdin?.end();

  cp = await ControlPlane.start({
    config: loadConfig(
      {},
      {
        databaseUrl: "memory://",
        host: "127.0.0.1",
        port: 0,
        logLevel: "silent",
        bootstrapAdminToken: ADMIN,
      },
    ),
  });
  const baseUrl = await cp.listen();
  const created = await fetch(`${baseUrl}/v1/clusters`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "bench",
      spec: {
        provider: "local",
        region: "local",
        zones: ["zone-a"],
        instanceTypes: ["local"],
        spot: { share: 0, onDemandBase: 1 },
        brokers: { min: 1, max: 1 },
        scaling: { highWatermarkBytesPerSec: 1e9, lowWatermarkBytesPerSec: 1e6, cooldownSeconds: 300 },
        objectStore: { uri: `file://${objects}` },
        walVolumeGiB: 1,
      },
    }),
  });
  const { brokerToken } = (await created.json()) as { brokerToken: string };
  const env = {
    ...process.env,
    CIRRUS_INSTANCE_ID: "bench-broker",
    CIRRUS_KAFKA_HOST: "127.0.0.1",
    CIRRUS_KAFKA_PORT: "0",
    CIRRUS_ADMIN_HOST: "127.0.0.1",
    CIRRUS_ADMIN_PORT: "0",
    CIRRUS_CONTROL_PLANE_URL: baseUrl,
    CIRRUS_BROKER_TOKEN: brokerToken,
    CIRRUS_DATA_DIR: dir,
    CIRRUS_OBJECT_STORE: `file://${objects}`,
    CIRRUS_WAL_CAPACITY_BYTES: String((quick ? 512 : 2048) * 1024 * 1024),
  };
  const broker = spawn(join(repo, "node_modules/.bin/node"), [join(repo, "apps/broker/src/main.ts")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(broker);
  const bootstrap = await waitForBootstrap(broker, "broker");
  await new ControlPlaneClient({ baseUrl, token: brokerToken }).createTopic({
    name: TOPIC,
    partitions: PARTITIONS,
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // assignments reach the broker

  const throughput = await generate(bootstrap, 0, false);
  const latency = await generate(
    bootstrap,
    Math.round((latencyRateMiBps * 1024 * 1024) / RECORD_BYTES),
    true,
  );
  printResult({
    bench: "broker-produce",
    quick,
    workload: {
      recordBytes: RECORD_BYTES,
      partitions: PARTITIONS,
      acks: "all",
      seconds,
      client: "librdkafka 2.0.2",
    },
    throughputMiBps: round(throughput.mibPerSec),
    throughputErrors: throughput.errors,
    referenceMockClusterMiBps: round(reference.mibPerSec),
    ratioToMockCluster: round(throughput.mibPerSec / reference.mibPerSec, 3),
    targetMiBps: 160,
    seedFigureMiBps: 80,
    latencyAtMiBps: latencyRateMiBps,
    achievedMiBps: round(latency.mibPerSec),
    produceP50Ms: latency.produceP50Ms,
    produceP99Ms: latency.produceP99Ms,
    e2eP50Ms: latency.e2eP50Ms,
    e2eP99Ms: latency.e2eP99Ms,
    latencyErrors: latency.errors,
    referenceProduceP99Ms: reference.produceP99Ms,
    targets: { produceP99Ms: 5, e2eP99Ms: 10 },
  });
} finally {
  // SIGTERM: the broker uploads its tail and closes its streams, which needs the control plane still up.
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await cp?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(objects, { recursive: true, force: true });
}
