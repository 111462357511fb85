// What one produce request costs the broker, independent of how busy the machine is: the same pre-encoded
// ProduceRequests (v7, acks=-1, one partition each with a batch of 5 × 1 KiB records — librdkafka's shape at
// 50 MiB/s) are pipelined on one connection, 16 in flight, to
//   - the whole system (control plane + one broker launched by the local provider, as `npm start` runs it);
//   - librdkafka's in-memory mock cluster (no I/O), the reference, in the same run;
// and each server's CPU seconds are divided by the requests (by thread for the broker: main, GC, thread pool).
// Prints one JSON line.
import { connect } from "node:net";
import { ErrorCode, encodeRecordBatch, encodeRequest, FrameDecoder } from "@cirrus/kafka-protocol";
import { createTopicViaApi } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";
import { startMockCluster } from "../harness/mock-cluster.ts";
import { cpuByThreadName, cpuSecondsOf, threadCpuSeconds } from "../harness/process-cpu.ts";
import { percentile, printResult, quick, round } from "./s3stream-bench-kit.ts";

const TOPIC = "produce-cpu";
const PARTITIONS = 16;
const RECORDS_PER_REQUEST = 5;
const IN_FLIGHT = 16;
const REQUESTS = quick ? 15_000 : 60_000;

const value = Buffer.alloc(1024, 120);
const frames = Array.from({ length: PARTITIONS }, (_, index) =>
  encodeRequest(
    { apiKey: 0, apiVersion: 7, correlationId: index, clientId: "produce-cpu" },
    {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [
        {
          name: TOPIC,
          partitionData: [
            {
              index,
              records: encodeRecordBatch({
                records: Array.from({ length: RECORDS_PER_REQUEST }, () => ({ value })),
              }),
            },
          ],
        },
      ],
    },
  ),
);

/** The partition error code of a Produce v7 answer to `frames` (correlation id, then one topic, one partition). */
function errorCodeOf(response: Buffer): number {
  // correlationId 4 | topics 4 | name 2 + len | partitions 4 | index 4 | errorCode 2
  const nameLength = response.readInt16BE(8);
  return response.readInt16BE(10 + nameLength + 8);
}

/** Sends `count` frames round-robin, `IN_FLIGHT` at a time; resolves with latencies (ms) and the error count. */
async function pipeline(bootstrap: string, count: number): Promise<{ latencies: number[]; errors: number }> {
  const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(":")), Number(bootstrap.split(":").at(-1))];
  const socket = connect(port, host);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const decoder = new FrameDecoder();
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (sent < count && sent - latencies.length < IN_FLIGHT) {
          sentAt.push(performance.now());
          socket.write(frames[sent % PARTITIONS]!);
          sent++;
        }
      };
      socket.on("data", (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          latencies.push(performance.now() - sentAt[latencies.length]!);
          if (errorCodeOf(frame) !== ErrorCode.NONE) errors++;
        }
        if (latencies.length === count) resolve();
        else pump();
      });
      socket.on("error", reject);
      socket.once("close", () => reject(new Error(`connection closed after ${latencies.length} answers`)));
      pump();
    });
  } finally {
    socket.destroy();
  }
  return { latencies, errors };
}

/** Until every partition accepts a produce (leaders assigned, streams open), at most 30 s. */
async function warmUp(bootstrap: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { errors } = await pipeline(bootstrap, PARTITIONS);
    if (errors === 0) return;
    if (Date.now() > deadline) throw new Error(`${bootstrap} still refuses produces after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function measure(bootstrap: string, pid: number) {
  await warmUp(bootstrap);
  const threadsBefore = threadCpuSeconds(pid);
  const cpuBefore = cpuSecondsOf(pid);
  const started = performance.now();
  const { latencies, errors } = await pipeline(bootstrap, REQUESTS);
  const seconds = (performance.now() - started) / 1000;
  const cpuUsPerRequest = ((cpuSecondsOf(pid) - cpuBefore) * 1e6) / REQUESTS;
  const byThread = cpuByThreadName(threadsBefore, threadCpuSeconds(pid));
  return {
    cpuUsPerRequest,
    threadUsPerRequest: Object.fromEntries(
      Object.entries(byThread)
        .filter(([, s]) => s > 0)
        .map(([name, s]) => [name, round((s * 1e6) / REQUESTS, 1)]),
    ),
    requestsPerSec: REQUESTS / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
  };
}

let cluster: StartedCluster | undefined;
const mock = await startMockCluster(TOPIC, PARTITIONS);
try {
  const reference = await measure(mock.bootstrap, mock.pid);
  mock.stop();
  cluster = await startCluster({ brokers: 1 });
  await createTopicViaApi(cluster, TOPIC, PARTITIONS);
  const broker = cluster.brokers[0]!;
  const cirrus = await measure(`${broker.host}:${broker.port}`, cluster.processes()[0]!.pid);
  const { orphans } = await cluster.stop();
  cluster = undefined;
  printResult({
    bench: "broker-produce-cpu",
    quick,
    workload: {
      produceVersion: 7,
      acks: -1,
      recordsPerRequest: RECORDS_PER_REQUEST,
      recordBytes: value.length,
      inFlight: IN_FLIGHT,
      requests: REQUESTS,
    },
    brokerCpuUsPerRequest: round(cirrus.cpuUsPerRequest, 1),
    brokerThreadUsPerRequest: cirrus.threadUsPerRequest,
    brokerRequestsPerSec: round(cirrus.requestsPerSec, 0),
    brokerP50Ms: round(cirrus.p50Ms, 2),
    brokerP99Ms: round(cirrus.p99Ms, 2),
    brokerErrors: cirrus.errors,
    referenceMockCpuUsPerRequest: round(reference.cpuUsPerRequest, 1),
    referenceMockRequestsPerSec: round(reference.requestsPerSec, 0),
    referenceMockErrors: reference.errors,
    cpuRatioToMock: round(cirrus.cpuUsPerRequest / reference.cpuUsPerRequest, 2),
    orphans,
  });
  if (cirrus.errors > 0) throw new Error(`${cirrus.errors} produce requests failed`);
} finally {
  mock.stop();
  await cluster?.stop();
}
