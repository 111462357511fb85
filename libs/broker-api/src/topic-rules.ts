// Kafka's rules for topics, in one place for everyone who changes one. The control plane enforces them on
// every topic change (its topics service, behind both the REST API and the brokers' internal calls); a
// broker checks Kafka admin requests with them first so that it can answer in Kafka's error codes.
// Sources: Kafka's Topic.validate and Topic.isInternal (clients/.../common/internals/Topic.java) and the
// topic config definitions of LogConfig (storage/.../internals/log/LogConfig.java) for the keys we support.

/** The rule a topic change breaks. Each caller turns it into its own error (see each member's Kafka code). */
export const TopicRule = {
  /** The name breaks Kafka's Topic.validate. Kafka: INVALID_TOPIC_EXCEPTION. */
  NAME: "NAME",
  /** Partition count out of range. Kafka: INVALID_PARTITIONS. */
  PARTITIONS: "PARTITIONS",
  /** Unknown key, null value, wrong type or range, or too much config in all. Kafka: INVALID_CONFIG. */
  CONFIG: "CONFIG",
  /** Creating, deleting or growing a topic the cluster itself runs on. Kafka: INVALID_REQUEST. */
  INTERNAL_TOPIC: "INTERNAL_TOPIC",
} as const;
export type TopicRule = (typeof TopicRule)[keyof typeof TopicRule];

export interface TopicRuleViolation {
  readonly rule: TopicRule;
  readonly message: string;
}

export const MAX_TOPIC_NAME_LENGTH = 249;
export const MAX_PARTITIONS = 10_000;
/** All of a topic's config keys and values together, UTF-8. Every supported config fits many times over. */
export const MAX_TOPIC_CONFIGS_BYTES = 4096;

/**
 * Topics the cluster runs on (Kafka's Topic.isInternal): only a broker creates them (FindCoordinator
 * creates __consumer_offsets with offsets.topic.num.partitions); nobody deletes them or changes their
 * partition count, because group coordinators hash group ids over that count.
 */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([
  "__consumer_offsets",
  "__transaction_state",
  "__cluster_metadata",
]);

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;

const violation = (rule: TopicRule, message: string): TopicRuleViolation => ({ rule, message });

/** Kafka's Topic.validate. */
export function checkTopicName(name: string): TopicRuleViolation | null {
  const invalid = (why: string) => violation(TopicRule.NAME, `topic name is invalid: ${why}`);
  if (name.length === 0) return invalid("the empty string is not allowed");
  if (name === "." || name === "..") return invalid(`'${name}' is not allowed`);
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    return invalid(`it is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`);
  if (!LEGAL_NAME.test(name))
    return invalid(
      `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  return null;
}

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

function checkNotInternal(name: string, action: string): TopicRuleViolation | null {
  if (!isInternalTopic(name)) return null;
  return violation(TopicRule.INTERNAL_TOPIC, `${action} internal topic ${name} is prohibited`);
}

function checkPartitionCount(count: number): TopicRuleViolation | null {
  if (Number.isInteger(count) && count >= 1 && count <= MAX_PARTITIONS) return null;
  return violation(TopicRule.PARTITIONS, `number of partitions must be 1..${MAX_PARTITIONS}, not ${count}`);
}

/** How a config value is typed (Kafka's ConfigDef.Type of the same key). */
export type TopicConfigType = "boolean" | "int" | "long" | "string" | "list";

export interface TopicConfigSpec {
  readonly type: TopicConfigType;
  /** Kafka's default, shown by DescribeConfigs when the topic does not set the key. */
  readonly defaultValue: string;
  readonly doc: string;
  /** Why `value` is refused (Kafka's wording), or null. */
  readonly check: (value: string) => string | null;
}

const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;

/** Kafka's INT/LONG: a decimal integer of that width (surrounding blanks ignored), at least `min`. */
const integer =
  (width: "INT" | "LONG", min?: bigint) =>
  (value: string): string | null => {
    const trimmed = value.trim();
    const [lo, hi] = width === "INT" ? INT_RANGE : LONG_RANGE;
    if (!/^[+-]?\d+$/.test(trimmed)) return `Not a number of type ${width}`;
    const n = BigInt(trimmed);
    if (n < lo || n > hi) return `Not a number of type ${width}`;
    if (min !== undefined && n < min) return `Value must be at least ${min}`;
    return null;
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

/** The topic configs Cirrus knows (DescribeConfigs lists them); any other key is refused. */
export const topicConfigSpecs: ReadonlyMap<string, TopicConfigSpec> = new Map<string, TopicConfigSpec>([
  [
    "cleanup.policy",
    {
      type: "list",
      defaultValue: "delete",
      doc: "delete or compact old segments",
      check: listOf("compact", "delete"),
    },
  ],
  [
    "retention.ms",
    {
      type: "long",
      defaultValue: "604800000",
      doc: "how long records are kept (-1: forever)",
      check: integer("LONG", -1n),
    },
  ],
  [
    "retention.bytes",
    {
      type: "long",
      defaultValue: "-1",
      doc: "bytes kept per partition (negative: no limit)",
      check: integer("LONG"),
    },
  ],
  [
    "max.message.bytes",
    {
      type: "int",
      defaultValue: "1048588",
      doc: "largest record batch accepted",
      check: integer("INT", 0n),
    },
  ],
  [
    "segment.bytes",
    {
      type: "int",
      defaultValue: "1073741824",
      doc: "segment size (objects are sized by the storage)",
      check: integer("INT", 14n),
    },
  ],
  [
    "segment.ms",
    { type: "long", defaultValue: "604800000", doc: "segment roll time", check: integer("LONG", 1n) },
  ],
  [
    "min.insync.replicas",
    {
      type: "int",
      defaultValue: "1",
      doc: "durability comes from the WAL and object storage",
      check: integer("INT", 1n),
    },
  ],
  [
    "compression.type",
    {
      type: "string",
      defaultValue: "producer",
      doc: "batches are stored as the producer sent them",
      check: oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
    },
  ],
  [
    "message.timestamp.type",
    {
      type: "string",
      defaultValue: "CreateTime",
      doc: "timestamp kept in records",
      check: oneOf("CreateTime", "LogAppendTime"),
    },
  ],
  [
    "unclean.leader.election.enable",
    {
      type: "boolean",
      defaultValue: "false",
      doc: "no effect: there is one copy in object storage",
      check: bool,
    },
  ],
]);

const utf8 = new TextEncoder();

/**
 * A topic's whole config set (Kafka's null values included, which it refuses): its size first, so that a
 * huge body costs no more work, then every key must be known and every value valid.
 */
export function checkTopicConfigs(
  configs: Readonly<Record<string, string | null>>,
): TopicRuleViolation | null {
  const entries = Object.entries(configs);
  let bytes = 0;
  for (const [name, value] of entries) bytes += utf8.encode(name).length + utf8.encode(value ?? "").length;
  if (bytes > MAX_TOPIC_CONFIGS_BYTES) {
    return violation(
      TopicRule.CONFIG,
      `topic configs take ${bytes} bytes; at most ${MAX_TOPIC_CONFIGS_BYTES} are allowed`,
    );
  }
  for (const [name, value] of entries) {
    const spec = topicConfigSpecs.get(name);
    if (!spec) return violation(TopicRule.CONFIG, `Unknown topic config name: ${name}`);
    if (value === null)
      return violation(TopicRule.CONFIG, `Null value not supported for topic configs: ${name}`);
    const why = spec.check(value);
    if (why) return violation(TopicRule.CONFIG, `Invalid value ${value} for configuration ${name}: ${why}`);
  }
  return null;
}

export interface NewTopic {
  readonly name: string;
  readonly partitions: number;
  readonly configs?: Readonly<Record<string, string | null>>;
}

/**
 * Creating a topic: name, then internal topics (unless `byBroker`: a broker creating a topic it runs on,
 * never a client's request), then partition count, then configs. The first broken rule, or null.
 */
export function checkNewTopic(
  topic: NewTopic,
  options: { byBroker?: boolean } = {},
): TopicRuleViolation | null {
  return (
    checkTopicName(topic.name) ??
    (options.byBroker ? null : checkNotInternal(topic.name, "creating")) ??
    checkPartitionCount(topic.partitions) ??
    checkTopicConfigs(topic.configs ?? {})
  );
}

/** Deleting a topic: never an internal one. */
export function checkTopicDeletion(name: string): TopicRuleViolation | null {
  return checkNotInternal(name, "deleting");
}

/** Growing a topic to `totalCount` partitions (that it grows is checked against the topic itself). */
export function checkPartitionGrowth(name: string, totalCount: number): TopicRuleViolation | null {
  return checkNotInternal(name, "changing the partitions of") ?? checkPartitionCount(totalCount);
}
