// Kafka's rules for topics, in one place for everyone who changes one. The control plane enforces them on
// every topic change (its topics service, behind both the REST API and the brokers' internal calls); a
// broker checks Kafka admin requests with them first so that it can answer in Kafka's error codes.
// Sources: Kafka's Topic.validate and Topic.isInternal (clients/.../common/internals/Topic.java) and the
// topic config definitions of LogConfig (storage/.../internals/log/LogConfig.java), in topic-config-catalog.ts.
import { checkTopicConfigCombination, topicConfigSpecs } from "./topic-config-catalog.ts";

export { type TopicConfigSpec, type TopicConfigType, topicConfigSpecs } from "./topic-config-catalog.ts";

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
  /** A config change naming the same key twice. Kafka: INVALID_REQUEST. */
  DUPLICATE_CONFIG: "DUPLICATE_CONFIG",
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

const utf8 = new TextEncoder();

/** Keys and values together, UTF-8: at most MAX_TOPIC_CONFIGS_BYTES, checked before anything else is. */
export function checkTopicConfigsSize(
  entries: readonly (readonly [name: string, value: string | null])[],
): TopicRuleViolation | null {
  let bytes = 0;
  for (const [name, value] of entries) bytes += utf8.encode(name).length + utf8.encode(value ?? "").length;
  if (bytes <= MAX_TOPIC_CONFIGS_BYTES) return null;
  return violation(
    TopicRule.CONFIG,
    `topic configs take ${bytes} bytes; at most ${MAX_TOPIC_CONFIGS_BYTES} are allowed`,
  );
}

/**
 * A topic's whole config set (Kafka's null values included, which it refuses): its size first, so that a
 * huge body costs no more work, then every key must be known and every value valid, then Kafka's checks
 * across keys.
 */
export function checkTopicConfigs(
  configs: Readonly<Record<string, string | null>>,
): TopicRuleViolation | null {
  const entries = Object.entries(configs);
  const tooBig = checkTopicConfigsSize(entries);
  if (tooBig) return tooBig;
  for (const [name, value] of entries) {
    const spec = topicConfigSpecs.get(name);
    if (!spec) return violation(TopicRule.CONFIG, `Unknown topic config name: ${name}`);
    if (value === null)
      return violation(TopicRule.CONFIG, `Null value not supported for topic configs: ${name}`);
    const why = spec.check(value);
    if (why) return violation(TopicRule.CONFIG, `Invalid value ${value} for configuration ${name}: ${why}`);
  }
  const conflict = checkTopicConfigCombination(configs as Record<string, string>);
  return conflict ? violation(TopicRule.CONFIG, conflict) : null;
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
