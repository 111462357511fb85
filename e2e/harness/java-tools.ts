// Runs Apache Kafka's own command-line tools (the main classes behind kafka-topics.sh, kafka-configs.sh, …) and
// Java programs with `java -cp <jars>/*`, the jars .ci/install-kafka-jars.sh fetches for each pinned release:
// 3.9.1 (./java/pom.xml, the default) and 4.4.0 (./java/kafka4/pom.xml).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, "..", "..", ".ci", "cache");

/** The tools the tests run, by name; each release says which main class is behind a name. */
export const KafkaTool = {
  topics: "topics",
  configs: "configs",
  consumerGroups: "consumerGroups",
  deleteRecords: "deleteRecords",
  consoleConsumer: "consoleConsumer",
  consoleProducer: "consoleProducer",
  getOffsets: "getOffsets",
  transactions: "transactions",
  reassignPartitions: "reassignPartitions",
  brokerApiVersions: "brokerApiVersions",
} as const;
export type KafkaTool = (typeof KafkaTool)[keyof typeof KafkaTool];

/** One pinned Kafka release: where its jars are and the main classes of its tools (the scripts in its bin/). */
export interface KafkaRelease {
  readonly version: string;
  readonly jarsDir: string;
  readonly toolClasses: Readonly<Record<KafkaTool, string>>;
}

const toolsPackageClasses = {
  topics: "org.apache.kafka.tools.TopicCommand",
  consumerGroups: "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
  deleteRecords: "org.apache.kafka.tools.DeleteRecordsCommand",
  consoleConsumer: "org.apache.kafka.tools.consumer.ConsoleConsumer",
  getOffsets: "org.apache.kafka.tools.GetOffsetShell",
  transactions: "org.apache.kafka.tools.TransactionsCommand",
  reassignPartitions: "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
  brokerApiVersions: "org.apache.kafka.tools.BrokerApiVersionsCommand",
} as const;

export const kafka39: KafkaRelease = {
  version: "3.9.1",
  jarsDir: join(cacheDir, "kafka-jars"),
  // 3.9 still runs kafka-configs and the console producer from the Scala core.
  toolClasses: {
    ...toolsPackageClasses,
    configs: "kafka.admin.ConfigCommand",
    consoleProducer: "kafka.tools.ConsoleProducer",
    brokerApiVersions: "kafka.admin.BrokerApiVersionsCommand",
  },
};

export const kafka4: KafkaRelease = {
  version: "4.4.0",
  jarsDir: join(cacheDir, "kafka4-jars"),
  toolClasses: {
    ...toolsPackageClasses,
    configs: "org.apache.kafka.tools.ConfigCommand",
    consoleProducer: "org.apache.kafka.tools.ConsoleProducer",
  },
};

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Why the Kafka tool tests cannot run here, or undefined when they can. Outside CI, absent jars skip the
 * tests with this reason; under CI=true absent jars are an error (the tests must run there).
 */
export function kafkaToolsSkipReason(release: KafkaRelease = kafka39): string | undefined {
  const { jarsDir, version } = release;
  const present = existsSync(jarsDir) && readdirSync(jarsDir).some((f) => f.endsWith(".jar"));
  if (present) return undefined;
  if (process.env.CI === "true")
    throw new Error(`Kafka ${version} jars missing in ${jarsDir}: run .ci/install-kafka-jars.sh`);
  return `Kafka ${version} jars absent (${jarsDir}); run bash .ci/install-kafka-jars.sh`;
}

/** The `java` arguments that run `main` (a tool's name, a class or a .java source file) with the release's jars. */
function javaArgs(release: KafkaRelease, main: string, args: string[], classDir?: string): string[] {
  const jars = `${release.jarsDir}/*`;
  const toolClass = Object.hasOwn(release.toolClasses, main) ? release.toolClasses[main as KafkaTool] : main;
  return [
    "-Xshare:auto",
    "-XX:TieredStopAtLevel=1",
    "-Xmx256m",
    // Tools that read a datetime without a zone (--to-datetime) read it in UTC.
    "-Duser.timezone=UTC",
    `-Dlog4j.configuration=file:${join(here, "java", "log4j-tools.properties")}`,
    "-cp",
    classDir === undefined ? jars : `${classDir}:${jars}`,
    toolClass,
    ...args,
  ];
}

/**
 * Compiles `sources` (.java files of ./java) against the Kafka jars into `classDir`, once, so programs started
 * many times (spawnKafkaJava with that classDir) skip the source-file mode's compilation on every start.
 */
export async function compileKafkaJava(
  sources: string[],
  classDir: string,
  release: KafkaRelease = kafka39,
): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile(
      "javac",
      ["-d", classDir, "-cp", `${release.jarsDir}/*`, ...sources],
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
export function spawnKafkaJava(
  main: string,
  args: string[],
  classDir?: string,
  release: KafkaRelease = kafka39,
): ChildProcess {
  return spawn("java", javaArgs(release, main, args, classDir), { stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Runs one Kafka tool (by name, or a main class or .java source file) of `options.release` (3.9.1 unless
 * said) to its end (killed after timeoutMs) and returns its exit code and output; never throws
 * for a non-zero exit. `input` is written to its stdin.
 */
export function runKafkaTool(
  tool: KafkaTool | string,
  args: string[],
  options: { timeoutMs?: number; input?: string; release?: KafkaRelease } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "java",
      javaArgs(options.release ?? kafka39, tool, args),
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
