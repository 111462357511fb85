// Runs Apache Kafka's own command-line tools (the main classes behind kafka-topics.sh, kafka-configs.sh, …)
// with `java -cp .ci/cache/kafka-jars/*`, the jars .ci/install-kafka-jars.sh fetches (pinned in ./java/pom.xml).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const kafkaJarsDir = join(here, "..", "..", ".ci", "cache", "kafka-jars");

/** Main classes of the Kafka 3.9 tools (the scripts in Kafka's bin/ call these). */
export const KafkaTool = {
  topics: "org.apache.kafka.tools.TopicCommand",
  configs: "kafka.admin.ConfigCommand",
  consumerGroups: "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
  deleteRecords: "org.apache.kafka.tools.DeleteRecordsCommand",
  consoleConsumer: "org.apache.kafka.tools.consumer.ConsoleConsumer",
  consoleProducer: "kafka.tools.ConsoleProducer",
  getOffsets: "org.apache.kafka.tools.GetOffsetShell",
  transactions: "org.apache.kafka.tools.TransactionsCommand",
  reassignPartitions: "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
  brokerApiVersions: "kafka.admin.BrokerApiVersionsCommand",
} as const;
export type KafkaTool = (typeof KafkaTool)[keyof typeof KafkaTool];

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Why the Kafka tool tests cannot run here, or undefined when they can. Outside CI, absent jars skip the
 * tests with this reason; under CI=true absent jars are an error (the tests must run there).
 */
export function kafkaToolsSkipReason(): string | undefined {
  const present = existsSync(kafkaJarsDir) && readdirSync(kafkaJarsDir).some((f) => f.endsWith(".jar"));
  if (present) return undefined;
  if (process.env.CI === "true")
    throw new Error(`Kafka jars missing in ${kafkaJarsDir}: run .ci/install-kafka-jars.sh`);
  return `Kafka jars absent (${kafkaJarsDir}); run bash .ci/install-kafka-jars.sh`;
}

/** The `java` arguments that run `main` (a class or a .java source file) with the Kafka jars. */
function javaArgs(main: string, args: string[], classDir?: string): string[] {
  return [
    "-Xshare:auto",
    "-XX:TieredStopAtLevel=1",
    "-Xmx256m",
    // Tools that read a datetime without a zone (--to-datetime) read it in UTC.
    "-Duser.timezone=UTC",
    `-Dlog4j.configuration=file:${join(here, "java", "log4j-tools.properties")}`,
    "-cp",
    classDir === undefined ? `${kafkaJarsDir}/*` : `${classDir}:${kafkaJarsDir}/*`,
    main,
    ...args,
  ];
}

/**
 * Compiles `sources` (.java files of ./java) against the Kafka jars into `classDir`, once, so programs started
 * many times (spawnKafkaJava with that classDir) skip the source-file mode's compilation on every start.
 */
export async function compileKafkaJava(sources: string[], classDir: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile(
      "javac",
      ["-d", classDir, "-cp", `${kafkaJarsDir}/*`, ...sources],
      { timeout: 120_000, killSignal: "SIGKILL" },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`javac failed: ${error}\n${stderr}`)) : resolve(),
    ),
  );
}

/**
 * Starts a long-running Java program (a class compiled into `classDir` by compileKafkaJava, a .java source file,
 * or a tool's class) with the Kafka jars and returns the child at once (stdin closed, stdout/stderr piped), for
 * tests that watch its output and kill it.
 */
export function spawnKafkaJava(main: string, args: string[], classDir?: string): ChildProcess {
  return spawn("java", javaArgs(main, args, classDir), { stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Runs one Kafka tool to its end (killed after timeoutMs) and returns its exit code and output; never throws
 * for a non-zero exit. `input` is written to its stdin.
 */
export function runKafkaTool(
  tool: KafkaTool | string,
  args: string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "java",
      javaArgs(tool, args),
      { timeout: options.timeoutMs ?? 60_000, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        const killed = error && (error as { killed?: boolean }).killed ? `\n[killed after timeout]` : "";
        resolve({ code, stdout, stderr: stderr + killed });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
