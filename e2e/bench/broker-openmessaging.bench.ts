// OpenMessaging-style workload (1 KiB records, 1 topic, 16 partitions, acks=all) against the WHOLE system: a
// control plane (scripts/start.ts) running a one-broker local cluster, the broker launched by the local provider
// on its WAL volume, exactly as `npm start` runs it. Driven by the librdkafka load generator in
// e2e/harness/native (a separate C process). In one run:
//   (a) max produce throughput of the one broker (producer only);
//   (b) produce p99 and end-to-end p99 at a fixed 50 MiB/s, a consumer reading along (three rounds; the one with
//       the median produce p99 is reported, and every round's p99s are listed);
//   (c) the same workload against librdkafka's in-memory mock cluster (no I/O, no durability): the reference
//       ceiling for throughput, and for latency the floor this machine and this generator allow (same rounds).
// Each run reports the generator's CPU time against its wall time and the broker's CPU time, so a reader can tell
// who was the bottleneck (a generator near one full core per second of wall time would be; this machine has 2),
// and the share of the latency phase the broker's main thread spent runnable but waiting for a CPU (contention).
// It measures the deployed path (control plane + one broker launched as `npm start` launches them).
// Prints one JSON line.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createTopicViaApi } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";
import { startMockCluster } from "../harness/mock-cluster.ts";
import { NativeTool, nativeTool } from "../harness/native-tools.ts";
import {
  cpuSecondsOf,
  mainThreadRunQueueSecondsOf,
  minorFaultsOf,
  peakRssBytesOf,
} from "../harness/process-cpu.ts";
import { printResult, quick, round } from "./s3stream-bench-kit.ts";

const run = promisify(execFile);
const TOPIC = "openmessaging";
const PARTITIONS = 16;
const RECORD_BYTES = 1024;
const SECONDS = quick ? 4 : 20;
/** The latency run is split into rounds and reported as the round with the median produce p99 (noisy machine). */
const LATENCY_ROUNDS = 3;
const LATENCY_RATE_MIBPS = 50;
/** Whole seconds: the generator takes an integer duration. */
const LATENCY_ROUND_SECONDS = Math.max(3, Math.round(SECONDS / LATENCY_ROUNDS));
const TARGETS = { throughputMiBps: 160, produceP99Ms: 5, e2eP99Ms: 10 } as const;

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
  cpuSeconds: number;
}

interface Measured {
  result: GeneratorResult;
  generatorCpuShare: number;
  serverCpuShare: number;
  /** Share of the wall time the servers' main threads were runnable but not running (CPU contention). */
  serverRunQueueShare: number;
  /** Page faults per second of the servers: fresh memory touched (each costs a fault and zeroing). */
  serverPageFaultsPerSec: number;
}

/** Runs the generator once; `serverPids` are the processes serving it (their CPU is measured over the run). */
async function measure(
  bootstrap: string,
  rateRecordsPerSec: number,
  consume: boolean,
  serverPids: number[],
  seconds = SECONDS,
): Promise<Measured> {
  const cpuBefore = serverPids.reduce((s, pid) => s + cpuSecondsOf(pid), 0);
  const waitBefore = serverPids.reduce((s, pid) => s + mainThreadRunQueueSecondsOf(pid), 0);
  const faultsBefore = serverPids.reduce((s, pid) => s + minorFaultsOf(pid), 0);
  const started = performance.now();
  const { stdout } = await run(
    nativeTool(NativeTool.openMessaging),
    [
      bootstrap,
      TOPIC,
      String(PARTITIONS),
      String(RECORD_BYTES),
      String(seconds),
      String(rateRecordsPerSec),
      consume ? "1" : "0",
    ],
    { timeout: (seconds + 90) * 1000 },
  );
  const wall = (performance.now() - started) / 1000;
  const serverCpu = serverPids.reduce((s, pid) => s + cpuSecondsOf(pid), 0) - cpuBefore;
  const serverWait = serverPids.reduce((s, pid) => s + mainThreadRunQueueSecondsOf(pid), 0) - waitBefore;
  const serverFaults = serverPids.reduce((s, pid) => s + minorFaultsOf(pid), 0) - faultsBefore;
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as GeneratorResult;
  return {
    result,
    generatorCpuShare: round(result.cpuSeconds / wall, 3),
    serverCpuShare: round(serverCpu / wall, 3),
    serverRunQueueShare: round(serverWait / wall, 3),
    serverPageFaultsPerSec: Math.round(serverFaults / wall),
  };
}

const latencyRate = Math.round((LATENCY_RATE_MIBPS * 1024 * 1024) / RECORD_BYTES);

/** LATENCY_ROUNDS rounds at the latency rate with a consumer; returns them all and the median-p99 one. */
async function latencyRounds(
  bootstrap: string,
  serverPids: number[],
): Promise<{ rounds: Measured[]; median: Measured }> {
  const rounds: Measured[] = [];
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    rounds.push(await measure(bootstrap, latencyRate, true, serverPids, LATENCY_ROUND_SECONDS));
  }
  const byP99 = [...rounds].sort((a, b) => a.result.produceP99Ms - b.result.produceP99Ms);
  return { rounds, median: byP99[Math.floor(byP99.length / 2)]! };
}

async function mockReference(): Promise<{ throughput: Measured; latency: Measured }> {
  const mock = await startMockCluster(TOPIC, PARTITIONS);
  try {
    const throughput = await measure(mock.bootstrap, 0, false, [mock.pid]);
    const { median } = await latencyRounds(mock.bootstrap, [mock.pid]);
    return { throughput, latency: median };
  } finally {
    mock.stop();
  }
}
let cluster: StartedCluster | undefined;
try {
  cluster = await startCluster({ brokers: 1 });
  await createTopicViaApi(cluster, TOPIC, PARTITIONS);
  const bootstrap = cluster.brokers.map((b) => `${b.host}:${b.port}`).join(",");
  const brokerPids = cluster.processes().map((p) => p.pid);

  const reference = await mockReference();
  const throughput = await measure(bootstrap, 0, false, brokerPids);
  const { rounds, median: latency } = await latencyRounds(bootstrap, brokerPids);
  const mockLatency = reference.latency.result;
  const brokerPeakRss = brokerPids.reduce((s, pid) => s + peakRssBytesOf(pid), 0);
  const { orphans } = await cluster.stop();
  cluster = undefined;

  printResult({
    bench: "broker-openmessaging",
    quick,
    system: "control plane + 1 broker launched by the local provider (WAL on a local volume file)",
    workload: { recordBytes: RECORD_BYTES, topics: 1, partitions: PARTITIONS, acks: "all", seconds: SECONDS },
    client: "librdkafka 2.0.2 (C load generator, separate process)",
    throughputMiBps: round(throughput.result.mibPerSec),
    throughputErrors: throughput.result.errors,
    throughputGeneratorCpuShare: throughput.generatorCpuShare,
    throughputBrokerCpuShare: throughput.serverCpuShare,
    throughputBrokerPageFaultsPerSec: throughput.serverPageFaultsPerSec,
    brokerPeakRssMiB: round(brokerPeakRss / 1048576),
    referenceMockClusterMiBps: round(reference.throughput.result.mibPerSec),
    referenceGeneratorCpuShare: reference.throughput.generatorCpuShare,
    referenceMockCpuShare: reference.throughput.serverCpuShare,
    ratioToMockCluster: round(throughput.result.mibPerSec / reference.throughput.result.mibPerSec, 3),
    latencyAtMiBps: LATENCY_RATE_MIBPS,
    latencyRounds: LATENCY_ROUNDS,
    latencyRoundSeconds: LATENCY_ROUND_SECONDS,
    produceP99MsRounds: rounds.map((r) => r.result.produceP99Ms),
    e2eP99MsRounds: rounds.map((r) => r.result.e2eP99Ms),
    latencyAchievedMiBps: round(latency.result.mibPerSec),
    produceP50Ms: latency.result.produceP50Ms,
    produceP99Ms: latency.result.produceP99Ms,
    e2eP50Ms: latency.result.e2eP50Ms,
    e2eP99Ms: latency.result.e2eP99Ms,
    latencyBrokerCpuShare: latency.serverCpuShare,
    latencyBrokerMainThreadRunQueueShare: latency.serverRunQueueShare,
    latencyGeneratorCpuShare: latency.generatorCpuShare,
    latencyErrors: latency.result.errors,
    latencyConsumed: latency.result.consumed,
    latencyAcked: latency.result.acked,
    referenceMockProduceP50Ms: mockLatency.produceP50Ms,
    referenceMockProduceP99Ms: mockLatency.produceP99Ms,
    referenceMockE2eP99Ms: mockLatency.e2eP99Ms,
    produceP99RatioToMock: round(latency.result.produceP99Ms / mockLatency.produceP99Ms, 3),
    e2eP99RatioToMock: round(latency.result.e2eP99Ms / mockLatency.e2eP99Ms, 3),
    targets: TARGETS,
    meetsTargets: {
      throughput: throughput.result.mibPerSec >= TARGETS.throughputMiBps,
      produceP99: latency.result.produceP99Ms >= 0 && latency.result.produceP99Ms < TARGETS.produceP99Ms,
      e2eP99: latency.result.e2eP99Ms >= 0 && latency.result.e2eP99Ms < TARGETS.e2eP99Ms,
    },
    orphans,
  });
  if (throughput.result.acked === 0 || latency.result.acked === 0)
    throw new Error("nothing was acknowledged");
} finally {
  await cluster?.stop();
}
