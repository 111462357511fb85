// The topic configurations the broker understands: their defaults (Kafka's) and types, used to validate
// CreateTopics and to answer DescribeConfigs. Values are stored by the control plane as given.

/** Kafka's DescribeConfigs configType values. */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** Kafka's DescribeConfigs configSource values. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

interface TopicConfigSpec {
  readonly defaultValue: string;
  readonly type: number;
  readonly valid: (value: string) => boolean;
  readonly doc: string;
}

const isLong = (min: number) => (v: string) => /^-?\d+$/.test(v) && Number(v) >= min;
const oneOf =
  (...allowed: string[]) =>
  (v: string) =>
    allowed.includes(v);

export const topicConfigSpecs: ReadonlyMap<string, TopicConfigSpec> = new Map([
  [
    "cleanup.policy",
    {
      defaultValue: "delete",
      type: ConfigType.LIST,
      valid: oneOf("delete", "compact", "compact,delete", "delete,compact"),
      doc: "delete or compact old segments",
    },
  ],
  [
    "retention.ms",
    {
      defaultValue: "604800000",
      type: ConfigType.LONG,
      valid: isLong(-1),
      doc: "how long records are kept (-1: forever)",
    },
  ],
  [
    "retention.bytes",
    {
      defaultValue: "-1",
      type: ConfigType.LONG,
      valid: isLong(-1),
      doc: "bytes kept per partition (-1: no limit)",
    },
  ],
  [
    "max.message.bytes",
    { defaultValue: "1048588", type: ConfigType.INT, valid: isLong(0), doc: "largest record batch accepted" },
  ],
  [
    "segment.bytes",
    {
      defaultValue: "1073741824",
      type: ConfigType.INT,
      valid: isLong(14),
      doc: "segment size (objects are sized by the storage)",
    },
  ],
  [
    "segment.ms",
    { defaultValue: "604800000", type: ConfigType.LONG, valid: isLong(1), doc: "segment roll time" },
  ],
  [
    "min.insync.replicas",
    {
      defaultValue: "1",
      type: ConfigType.INT,
      valid: isLong(1),
      doc: "durability comes from the WAL and object storage",
    },
  ],
  [
    "compression.type",
    {
      defaultValue: "producer",
      type: ConfigType.STRING,
      valid: oneOf("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"),
      doc: "batches are stored as the producer sent them",
    },
  ],
  [
    "message.timestamp.type",
    {
      defaultValue: "CreateTime",
      type: ConfigType.STRING,
      valid: oneOf("CreateTime", "LogAppendTime"),
      doc: "timestamp kept in records",
    },
  ],
  [
    "unclean.leader.election.enable",
    {
      defaultValue: "false",
      type: ConfigType.BOOLEAN,
      valid: oneOf("true", "false"),
      doc: "no effect: there is one copy in object storage",
    },
  ],
]);

/** Why a requested topic config is refused, or null when it is valid. */
export function invalidTopicConfig(name: string, value: string | null): string | null {
  const spec = topicConfigSpecs.get(name);
  if (!spec) return `unknown topic config ${name}`;
  if (value === null) return `null value for ${name}`;
  if (!spec.valid(value)) return `invalid value ${JSON.stringify(value)} for ${name}`;
  return null;
}
