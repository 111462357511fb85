// Exactly-once end to end with Kafka's own Java client (3.9.1): a transactional read-process-write loop
// (harness/java/ReadProcessWrite.java: read_committed consumer, transactional producer, offsets committed in
// the transaction) is killed with SIGKILL at random moments and restarted with the same transactional.id and
// group instance id, then left to finish. A read_committed reader of the output sees every input record
// exactly once, in input order per partition (one run pauses between sendOffsetsToTransaction and its commit
// while the group's coordinator broker is stopped, so the transaction's offsets move with the offsets partition
// before the commit marker reaches them; the next run starts from them); a read_uncommitted reader also sees the
// aborted leftovers of the
// transactions the kills cut short (each restart's initTransactions fences the killed epoch and aborts them).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ApiKey } from "@cirrus/kafka-protocol";
import { Kafka, logLevel } from "kafkajs";
import { bootstrapOf, connectToFirstBroker, createTopicViaApi } from "../harness/clients/cluster-topics.ts";
import { waitFor } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster, waitFor as waitUntil } from "../harness/cluster.ts";
import { compileKafkaJava, kafkaToolsSkipReason, spawnKafkaJava } from "../harness/java-tools.ts";

const skip = kafkaToolsSkipReason();
const loopSource = fileURLToPath(new URL("../harness/java/ReadProcessWrite.java", import.meta.url));
let classDir: string;
const INPUT = "eos-input";
const OUTPUT = "eos-output";
const GROUP = "eos-loop";
const PARTITIONS = 3;
const PER_PARTITION = 1000;
const KILLS = 4;
/** Records per transaction (max.poll.records) and the simulated processing time inside each transaction. */
const MAX_POLL = "50";
const PROCESS_MS = "50";
/** How long the coordinator-move run's first transaction waits between its offsets and its commit. */
const PAUSE_FOR_MOVE_MS = "4000";

let cluster: StartedCluster;
let kafka: Kafka;
const closers: (() => Promise<void>)[] = [];
const running = new Set<ChildProcess>();

function inputValue(partition: number, i: number): string {
  return `${partition}-${i}`;
}

/** One run of the loop: its stdout lines as they come, and its exit (exitCode: undefined while it runs). */
interface LoopRun {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  exitCode: () => number | null | undefined;
  log: () => string;
}

/**
 * `killOn`: the run is killed (SIGKILL) as soon as it prints a line for which it answers true. `pauseOnceMs`: its
 * first transaction waits that long between its offsets and its commit.
 */
function startLoop(killOn?: (line: string) => boolean, pauseOnceMs?: string): LoopRun {
  const args = [
    bootstrapOf(cluster),
    INPUT,
    OUTPUT,
    GROUP,
    "eos-instance-0",
    "eos-loop-tx-0",
    MAX_POLL,
    PROCESS_MS,
  ];
  const child = spawnKafkaJava("ReadProcessWrite", pauseOnceMs ? [...args, pauseOnceMs] : args, classDir);
  running.add(child);
  const lines: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (killOn?.(line)) {
        child.kill("SIGKILL");
        child.stdout?.removeAllListeners("data");
        break;
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    exited,
    exitCode: () => exitCode,
    log: () => `stdout:\n${lines.join("\n")}\n${partial}\nstderr:\n${stderr}`,
  };
}

/** The index in cluster.brokers of the broker coordinating GROUP now. */
async function groupCoordinatorIndex(): Promise<number> {
  const connection = await connectToFirstBroker(cluster, "eos-java-test");
  try {
    const found = await connection.request(ApiKey.FindCoordinator, 3, { key: GROUP, keyType: 0 }, 10_000);
    const index = cluster.brokers.findIndex((b) => b.brokerId === found.nodeId);
    assert.ok(index >= 0, `coordinator ${found.nodeId} (error ${found.errorCode}) is no live broker`);
    return index;
  } finally {
    connection.close();
  }
}

/** Values of OUTPUT per partition, read from the beginning until `done` says so (or `timeoutMs` passes). */
async function readOutput(
  readUncommitted: boolean,
  done: (count: number, idleMs: number) => boolean,
  timeoutMs: number,
): Promise<string[][]> {
  const byPartition: string[][] = Array.from({ length: PARTITIONS }, () => []);
  let count = 0;
  let lastAt = Date.now();
  const consumer = kafka.consumer({
    groupId: `eos-reader-${readUncommitted ? "uncommitted" : "committed"}`,
    readUncommitted,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  closers.push(() => consumer.disconnect());
  await consumer.subscribe({ topic: OUTPUT, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      byPartition[partition]?.push(message.value?.toString() ?? "");
      count++;
      lastAt = Date.now();
    },
  });
  await waitFor(
    () => done(count, Date.now() - lastAt),
    timeoutMs,
    () => `${OUTPUT} (${readUncommitted ? "read_uncommitted" : "read_committed"}): ${count} records`,
  );
  await consumer.disconnect();
  return byPartition;
}

describe("a Java exactly-once read-process-write loop killed at random points", {
  skip,
  timeout: 240_000,
}, () => {
  before(async () => {
    classDir = await mkdtemp(join(tmpdir(), "cirrus-eos-java-"));
    await compileKafkaJava([loopSource], classDir);
    cluster = await startCluster({ brokers: 2 });
    kafka = new Kafka({
      clientId: "eos-java-test",
      brokers: bootstrapOf(cluster).split(","),
      logLevel: logLevel.NOTHING,
    });
    await createTopicViaApi(cluster, INPUT, PARTITIONS);
    await createTopicViaApi(cluster, OUTPUT, PARTITIONS);
  });

  after(async () => {
    for (const child of running) child.kill("SIGKILL");
    for (const close of closers.reverse()) await close().catch(() => {});
    await cluster?.stop();
    if (classDir) await rm(classDir, { recursive: true, force: true });
  });

  test("every input record is in the output exactly once; aborted leftovers only for read_uncommitted", async () => {
    const started = Date.now();
    const producer = kafka.producer();
    await producer.connect();
    closers.push(() => producer.disconnect());
    for (let p = 0; p < PARTITIONS; p++)
      await producer.send({
        topic: INPUT,
        acks: -1,
        messages: Array.from({ length: PER_PARTITION }, (_, i) => ({
          partition: p,
          key: `k${i % 50}`,
          value: inputValue(p, i),
        })),
      });

    // The first run is killed the moment the broker has its first transaction's records ("sent": the loop then
    // processes for PROCESS_MS before committing), so at least one transaction is left open with records in
    // the log. Then KILLS runs are killed at random moments once each has made progress (one commit), so a
    // kill cuts a transaction short or lands between two. Then one run finishes the input.
    let kills = 0;
    /** Records of the transactions a kill left open (last line "begun n", "sent n", "offsets n"): at most these abort. */
    let openWhenKilled = 0;
    const commitsPerRun: number[] = [];
    const commits = (lines: string[]) => lines.filter((l) => l.startsWith("committed ")).length;
    const recordsOf = (line: string | undefined) =>
      Number(line?.match(/^(?:begun|sent|offsets) (\d+)$/)?.[1] ?? 0);
    let killedOnSent = 0;
    {
      const run = startLoop((line) => line.startsWith("sent "));
      await waitFor(() => run.exitCode() !== undefined, 90_000, run.log);
      killedOnSent = recordsOf(run.lines.at(-1));
      assert.ok(killedOnSent > 0, `the run was not killed on a "sent" line\n${run.log()}`);
      kills++;
      openWhenKilled += killedOnSent;
      commitsPerRun.push(commits(run.lines));
    }
    // The group's coordinator moves between TxnOffsetCommit and EndTxn: its broker is stopped (SIGTERM hands its
    // partitions to the other broker at once) while the run's first transaction waits with its offsets staged.
    // The transaction commits after the move; the run is killed right then, so the next run starts from the
    // group's committed offsets: had the move lost them, it would process that transaction's input again.
    let movedCoordinator = -1;
    {
      const run = startLoop((line) => line.startsWith("committed "), PAUSE_FOR_MOVE_MS);
      const staged = () => run.lines.some((l) => l.startsWith("offsets "));
      await waitFor(() => staged() || run.exitCode() !== undefined, 90_000, run.log);
      assert.ok(staged(), `the run staged no offsets\n${run.log()}`);
      const index = await groupCoordinatorIndex();
      movedCoordinator = cluster.brokers[index]!.brokerId;
      await cluster.killBroker(index, "SIGTERM");
      await waitFor(() => run.exitCode() !== undefined, 90_000, run.log);
      assert.equal(
        commits(run.lines),
        1,
        `the paused transaction did not commit after the move\n${run.log()}`,
      );
      kills++;
      commitsPerRun.push(1);
      await waitUntil(
        "a replacement broker",
        async () => (await cluster.refreshBrokers()).length === 2,
        60_000,
      );
      const now = await waitUntil("the group's coordinator on a live broker", groupCoordinatorIndex, 30_000);
      assert.notEqual(cluster.brokers[now]!.brokerId, movedCoordinator, "the coordinator moved");
      kafka = new Kafka({
        clientId: "eos-java-test",
        brokers: bootstrapOf(cluster).split(","),
        logLevel: logLevel.NOTHING,
      });
    }
    let finishedEarly = false;
    for (let k = 0; k < KILLS && !finishedEarly; k++) {
      const run = startLoop();
      await waitFor(() => commits(run.lines) > 0 || run.exitCode() !== undefined, 90_000, run.log);
      // A run started after the input was all processed has nothing to commit and finishes at once.
      if (commits(run.lines) > 0) await new Promise((r) => setTimeout(r, 500 + Math.random() * 2500));
      if (run.exitCode() === undefined) {
        run.child.kill("SIGKILL");
        await run.exited;
        kills++;
        openWhenKilled += recordsOf(run.lines.at(-1));
      } else {
        assert.equal(run.exitCode(), 0, run.log());
        finishedEarly = true;
      }
      commitsPerRun.push(commits(run.lines));
    }
    const last = startLoop();
    await waitFor(() => last.exitCode() !== undefined, 90_000, last.log);
    assert.equal(last.exitCode(), 0, `the last run failed\n${last.log()}`);
    assert.ok(
      last.lines.some((l) => l.startsWith("done ")),
      last.log(),
    );
    commitsPerRun.push(commits(last.lines));

    const total = PARTITIONS * PER_PARTITION;
    const committed = await readOutput(false, (count, idle) => count >= total && idle > 1500, 60_000);
    for (let p = 0; p < PARTITIONS; p++) {
      const expected = Array.from({ length: PER_PARTITION }, (_, i) => `out:${inputValue(p, i)}`);
      const got = committed[p] ?? [];
      const firstDiff = got.findIndex((v, i) => v !== expected[i]);
      assert.equal(
        got.length,
        PER_PARTITION,
        `partition ${p}: ${got.length} records (first difference at ${firstDiff})`,
      );
      assert.deepEqual(got, expected, `partition ${p}: first difference at ${firstDiff}`);
    }

    const uncommitted = await readOutput(true, (count, idle) => count >= total && idle > 1500, 60_000);
    const uncommittedCount = uncommitted.reduce((n, values) => n + values.length, 0);
    const aborted = uncommittedCount - total;
    for (let p = 0; p < PARTITIONS; p++) {
      const inputs = new Set(Array.from({ length: PER_PARTITION }, (_, i) => `out:${inputValue(p, i)}`));
      const values = uncommitted[p] ?? [];
      const stray = values.find((v) => !inputs.has(v));
      assert.equal(stray, undefined, `partition ${p}: ${stray} is no transformed input`);
      assert.deepEqual(new Set(values), inputs, `partition ${p}: read_uncommitted misses committed records`);
    }
    // The transaction killed on "sent" had its records in the log and never committed: they are aborted.
    assert.ok(
      aborted >= killedOnSent && aborted <= openWhenKilled,
      `read_uncommitted saw ${aborted} aborted records; the kills left ${openWhenKilled} open, ${killedOnSent} of them flushed`,
    );

    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const outputEndOffsets = (await admin.fetchTopicOffsets(OUTPUT))
      .sort((a, b) => a.partition - b.partition)
      .map((p) => Number(p.high));
    const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [INPUT] });
    assert.deepEqual(
      offsets?.partitions.map((p) => [p.partition, p.offset]).sort(),
      Array.from({ length: PARTITIONS }, (_, p) => [p, String(PER_PARTITION)]),
      "the group's committed offsets are the end of the input",
    );

    console.log(
      JSON.stringify({
        test: "exactly-once-java",
        records: total,
        kills,
        commitsPerRun,
        recordsOpenWhenKilled: openWhenKilled,
        recordsKilledAfterFlush: killedOnSent,
        coordinatorMovedFrom: movedCoordinator,
        abortedRecordsSeen: aborted,
        outputEndOffsets,
        durationMs: Date.now() - started,
      }),
    );
  });
});
