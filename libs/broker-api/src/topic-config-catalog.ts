// Every topic config Apache Kafka 3.9 defines (TopicConfig.java, validated as LogConfig.java's ConfigDef does),
// with the broker config that supplies its default (Kafka's synonym, shown by DescribeConfigs). Cirrus accepts
// them all so that any tool, operator or Terraform provider can set them; what each means here is in its doc
// (`Cirrus:`). Keys Kafka does not define are refused (topic-rules.checkTopicConfigs).

/** How a config value is typed (Kafka's ConfigDef.Type of the same key). */
export type TopicConfigType = "boolean" | "int" | "long" | "double" | "string" | "list";

export interface TopicConfigSpec {
  readonly type: TopicConfigType;
  /** Kafka's default, shown by DescribeConfigs when the topic does not set the key. */
  readonly defaultValue: string;
  /** The broker config whose value is the topic's default (Kafka's synonym), or null when there is none. */
  readonly brokerSynonym: string | null;
  readonly doc: string;
  /** Why `value` is refused (Kafka's wording), or null. */
  readonly check: (value: string) => string | null;
}

const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const LONG_MAX = String(LONG_RANGE[1]);

/** Kafka's INT/LONG: a decimal integer of that width (surrounding blanks ignored), within [min, max]. */
const integer =
  (width: "INT" | "LONG", min?: bigint, max?: bigint) =>
  (value: string): string | null => {
    const trimmed = value.trim();
    const [lo, hi] = width === "INT" ? INT_RANGE : LONG_RANGE;
    if (!/^[+-]?\d+$/.test(trimmed)) return `Not a number of type ${width}`;
    const n = BigInt(trimmed);
    if (n < lo || n > hi) return `Not a number of type ${width}`;
    if (min !== undefined && max !== undefined && (n < min || n > max))
      return `Value must be in the range [${min}, ${max}]`;
    if (min !== undefined && n < min) return `Value must be at least ${min}`;
    return null;
  };

/** Kafka's DOUBLE (Double.parseDouble) within [min, max]. */
const double =
  (min: number, max: number) =>
  (value: string): string | null => {
    const trimmed = value.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return "Not a number of type DOUBLE";
    const n = Number(trimmed);
    if (n < min || n > max) return `Value must be no more than ${max} and at least ${min}`;
    return null;
  };

/** A compression level: Kafka's per-codec range, or the one "default" value gzip accepts (-1). */
const level =
  (min: number, max: number, orDefault?: number) =>
  (value: string): string | null => {
    const why = integer("INT")(value);
    if (why) return why;
    const n = Number(value.trim());
    if (n === orDefault || (n >= min && n <= max)) return null;
    return orDefault === undefined
      ? `Value must be in the range [${min}, ${max}]`
      : `Value must be ${orDefault} or in the range [${min}, ${max}]`;
  };

const oneOf =
  (...allowed: string[]) =>
  (value: string): string | null =>
    allowed.includes(value) ? null : `String must be one of: ${allowed.join(", ")}`;

/** Kafka's LIST with ValidList.in: comma-separated, every item allowed (we also refuse an empty list). */
const listOf =
  (...allowed: string[]) =>
  (value: string): string | null => {
    const items = value.trim().split(/\s*,\s*/);
    return items.every((item) => allowed.includes(item))
      ? null
      : `Value must be a list of one or more of: ${allowed.join(", ")}`;
  };

const bool = (value: string): string | null =>
  /^(true|false)$/i.test(value.trim()) ? null : "Expected value to be either true or false";

/** Kafka's ThrottledReplicaListValidator: empty, `*`, or `partition:broker` pairs. */
const throttledReplicas = (value: string): string | null => {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === "*") return null;
  return trimmed.split(/\s*,\s*/).every((item) => /^\d+:\d+$/.test(item))
    ? null
    : "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
};

/** Kafka's MetadataVersionValidator, loosely: a release version such as 2.8 or 3.0-IV1. */
const messageFormatVersion = (value: string): string | null =>
  /^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(value.trim())
    ? null
    : "String must be a Kafka version such as 3.0-IV1 or 2.8";

type Entry = [name: string, spec: TopicConfigSpec];

const spec = (
  name: string,
  type: TopicConfigType,
  defaultValue: string,
  brokerSynonym: string | null,
  check: (value: string) => string | null,
  doc: string,
): Entry => [name, { type, defaultValue, brokerSynonym, check, doc }];

const APPLIED = "Cirrus: applied.";
const STORED = "Cirrus: stored and described, no effect on stateless brokers.";

/** The topic configs Cirrus accepts (DescribeConfigs lists them), by name; any other key is refused. */
export const topicConfigSpecs: ReadonlyMap<string, TopicConfigSpec> = new Map<string, TopicConfigSpec>([
  spec(
    "cleanup.policy",
    "list",
    "delete",
    "log.cleanup.policy",
    listOf("compact", "delete"),
    "delete or compact old records. Cirrus: delete is applied by retention; compact is stored (compaction not yet run).",
  ),
  spec(
    "compression.type",
    "string",
    "producer",
    "compression.type",
    oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
    "final compression of the topic's batches: producer keeps the producer's codec, a named codec re-encodes batches in it.",
  ),
  spec(
    "compression.gzip.level",
    "int",
    "-1",
    "compression.gzip.level",
    level(1, 9, -1),
    `gzip level. ${STORED}`,
  ),
  spec("compression.lz4.level", "int", "9", "compression.lz4.level", level(1, 17), `lz4 level. ${STORED}`),
  spec(
    "compression.zstd.level",
    "int",
    "3",
    "compression.zstd.level",
    level(-131072, 22),
    `zstd level. ${STORED}`,
  ),
  spec(
    "delete.retention.ms",
    "long",
    "86400000",
    "log.cleaner.delete.retention.ms",
    integer("LONG", 0n),
    "how long tombstones are kept on compacted topics",
  ),
  spec(
    "file.delete.delay.ms",
    "long",
    "60000",
    "log.segment.delete.delay.ms",
    integer("LONG", 0n),
    `delay before a deleted segment's file is removed. ${STORED}`,
  ),
  spec(
    "flush.messages",
    "long",
    LONG_MAX,
    "log.flush.interval.messages",
    integer("LONG", 1n),
    "fsync every N messages. Cirrus: every acknowledged write is synced to the WAL.",
  ),
  spec(
    "flush.ms",
    "long",
    LONG_MAX,
    "log.flush.interval.ms",
    integer("LONG", 0n),
    "fsync interval. Cirrus: every acknowledged write is synced to the WAL.",
  ),
  spec(
    "follower.replication.throttled.replicas",
    "list",
    "",
    null,
    throttledReplicas,
    `replicas throttled on the follower side. ${STORED}`,
  ),
  spec(
    "index.interval.bytes",
    "int",
    "4096",
    "log.index.interval.bytes",
    integer("INT", 0n),
    `bytes between offset index entries. ${STORED}`,
  ),
  spec(
    "leader.replication.throttled.replicas",
    "list",
    "",
    null,
    throttledReplicas,
    `replicas throttled on the leader side. ${STORED}`,
  ),
  spec(
    "local.retention.bytes",
    "long",
    "-2",
    "log.local.retention.bytes",
    integer("LONG", -2n),
    "bytes kept locally with tiered storage. Cirrus: everything lives in object storage.",
  ),
  spec(
    "local.retention.ms",
    "long",
    "-2",
    "log.local.retention.ms",
    integer("LONG", -2n),
    "time kept locally with tiered storage. Cirrus: everything lives in object storage.",
  ),
  spec(
    "max.compaction.lag.ms",
    "long",
    LONG_MAX,
    "log.cleaner.max.compaction.lag.ms",
    integer("LONG", 1n),
    "longest a record stays uncompacted",
  ),
  spec(
    "max.message.bytes",
    "int",
    "1048588",
    "message.max.bytes",
    integer("INT", 0n),
    `largest record batch accepted. ${APPLIED}`,
  ),
  spec(
    "message.downconversion.enable",
    "boolean",
    "true",
    "log.message.downconversion.enable",
    bool,
    "down-convert for old consumers. Cirrus: fetches are served in the stored format.",
  ),
  spec(
    "message.format.version",
    "string",
    "3.0-IV1",
    "log.message.format.version",
    messageFormatVersion,
    "deprecated since Kafka 3.0. Cirrus: record batches are always v2.",
  ),
  spec(
    "message.timestamp.after.max.ms",
    "long",
    LONG_MAX,
    "log.message.timestamp.after.max.ms",
    integer("LONG", 0n),
    `how far a CreateTime timestamp may be ahead of the broker's clock. ${APPLIED}`,
  ),
  spec(
    "message.timestamp.before.max.ms",
    "long",
    LONG_MAX,
    "log.message.timestamp.before.max.ms",
    integer("LONG", 0n),
    `how far a CreateTime timestamp may be behind the broker's clock. ${APPLIED}`,
  ),
  spec(
    "message.timestamp.difference.max.ms",
    "long",
    LONG_MAX,
    "log.message.timestamp.difference.max.ms",
    integer("LONG", 0n),
    "deprecated: both message.timestamp.before.max.ms and after.max.ms",
  ),
  spec(
    "message.timestamp.type",
    "string",
    "CreateTime",
    "log.message.timestamp.type",
    oneOf("CreateTime", "LogAppendTime"),
    "the producer's timestamp (CreateTime) or the broker's (LogAppendTime)",
  ),
  spec(
    "min.cleanable.dirty.ratio",
    "double",
    "0.5",
    "log.cleaner.min.cleanable.ratio",
    double(0, 1),
    "share of the log not yet compacted before compaction runs",
  ),
  spec(
    "min.compaction.lag.ms",
    "long",
    "0",
    "log.cleaner.min.compaction.lag.ms",
    integer("LONG", 0n),
    "shortest time a record stays uncompacted",
  ),
  spec(
    "min.insync.replicas",
    "int",
    "1",
    "min.insync.replicas",
    integer("INT", 1n),
    "Cirrus: durability comes from the WAL and object storage.",
  ),
  spec("preallocate", "boolean", "false", "log.preallocate", bool, `preallocate segment files. ${STORED}`),
  spec(
    "remote.log.copy.disable",
    "boolean",
    "false",
    null,
    bool,
    "stop copying to tiered storage. Cirrus: everything lives in object storage.",
  ),
  spec(
    "remote.log.delete.on.disable",
    "boolean",
    "false",
    null,
    bool,
    "delete tiered data when tiering is disabled. Cirrus: everything lives in object storage.",
  ),
  spec(
    "remote.storage.enable",
    "boolean",
    "false",
    null,
    bool,
    "tiered storage. Cirrus: everything lives in object storage.",
  ),
  spec(
    "retention.bytes",
    "long",
    "-1",
    "log.retention.bytes",
    integer("LONG"),
    `bytes kept per partition (negative: no limit). ${APPLIED}`,
  ),
  spec(
    "retention.ms",
    "long",
    "604800000",
    "log.retention.ms",
    integer("LONG", -1n),
    `how long records are kept (-1: forever). ${APPLIED}`,
  ),
  spec(
    "segment.bytes",
    "int",
    "1073741824",
    "log.segment.bytes",
    integer("INT", 14n),
    "segment size. Cirrus: objects are sized by the storage.",
  ),
  spec(
    "segment.index.bytes",
    "int",
    "10485760",
    "log.index.size.max.bytes",
    integer("INT", 4n),
    `offset index size. ${STORED}`,
  ),
  spec(
    "segment.jitter.ms",
    "long",
    "0",
    "log.roll.jitter.ms",
    integer("LONG", 0n),
    `jitter of segment rolls. ${STORED}`,
  ),
  spec(
    "segment.ms",
    "long",
    "604800000",
    "log.roll.ms",
    integer("LONG", 1n),
    "segment roll time. Cirrus: objects are sized by the storage.",
  ),
  spec(
    "unclean.leader.election.enable",
    "boolean",
    "false",
    "unclean.leader.election.enable",
    bool,
    "Cirrus: no effect, there is one copy in object storage.",
  ),
]);

/** Checks Kafka makes across keys (LogConfig.validateValues), on the topic's whole resulting set. */
export function checkTopicConfigCombination(configs: Readonly<Record<string, string>>): string | null {
  const min = BigInt(configs["min.compaction.lag.ms"]?.trim() ?? "0");
  const max = BigInt(configs["max.compaction.lag.ms"]?.trim() ?? LONG_MAX);
  if (min > max) {
    return "conflict value between min.compaction.lag.ms and max.compaction.lag.ms, min.compaction.lag.ms should be less than or equal to max.compaction.lag.ms.";
  }
  return null;
}
