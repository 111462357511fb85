// Runs Apache Kafka's own command-line tools (the main classes behind kafka-topics.sh, kafka-configs.sh, …)
// with `java -cp .ci/cache/kafka-jars/*`, the jars .ci/install-kafka-jars.sh fetches (pinned in ./java/pom.xml).
import { execFile } from "node:child_process";
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

/**
 * Runs one Kafka tool to its end (killed after timeoutMs) and returns its exit code and output; never throws
 * for a non-zero exit. `input` is written to its stdin.
 */
export function runKafkaTool(
  tool: KafkaTool | string,
  args: string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<ToolResult> {
  const javaArgs = [
    "-Xshare:auto",
    "-XX:TieredStopAtLevel=1",
    "-Xmx256m",
    // Tools that read a datetime without a zone (--to-datetime) read it in UTC.
    "-Duser.timezone=UTC",
    `-Dlog4j.configuration=file:${join(here, "java", "log4j-tools.properties")}`,
    "-cp",
    `${kafkaJarsDir}/*`,
    tool,
    ...args,
  ];
  return new Promise((resolve) => {
    const child = execFile(
      "java",
      javaArgs,
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
