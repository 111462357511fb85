// DescribeConfigs v0–4 for topics (their configs from the control plane over Kafka's defaults, each with its
// synonyms: the topic's own value, then the broker config its default comes from) and for this broker (the
// settings a client may care about). Other resource types are INVALID_REQUEST.
import { type ClusterMetadata, topicConfigSpecs } from "@cirrus/broker-api";
import { type ApiKey, type DescribeConfigsRequest, ErrorCode } from "@cirrus/kafka-protocol";
import { ConfigSource, ConfigType, kafkaConfigType } from "./admin-topic-configs.ts";
import { groupServicesOf } from "./group-services.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

interface Synonym {
  name: string;
  value: string;
  source: number;
}

interface ConfigEntry {
  name: string;
  value: string;
  source: number;
  type: number;
  doc: string;
  /** Kafka's order: the value in force first, then what it overrides. */
  synonyms: Synonym[];
}

type Resource = DescribeConfigsRequest["resources"][number];

function topicEntries(configs: Readonly<Record<string, string>>): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const [name, spec] of topicConfigSpecs) {
    const set = configs[name];
    const synonyms: Synonym[] = [];
    if (set !== undefined) synonyms.push({ name, value: set, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    if (spec.brokerSynonym !== null) {
      synonyms.push({
        name: spec.brokerSynonym,
        value: spec.defaultValue,
        source: ConfigSource.DEFAULT_CONFIG,
      });
    }
    entries.push({
      name,
      value: set ?? spec.defaultValue,
      source: set === undefined ? ConfigSource.DEFAULT_CONFIG : ConfigSource.DYNAMIC_TOPIC_CONFIG,
      type: kafkaConfigType(spec.type),
      doc: spec.doc,
      synonyms,
    });
  }
  for (const [name, value] of Object.entries(configs)) {
    if (!topicConfigSpecs.has(name)) {
      entries.push({
        name,
        value,
        source: ConfigSource.DYNAMIC_TOPIC_CONFIG,
        type: ConfigType.STRING,
        doc: "",
        synonyms: [{ name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }],
      });
    }
  }
  return entries;
}

function brokerEntries(context: RequestContext): ConfigEntry[] {
  const { config } = context.services;
  const groups = groupServicesOf(context.services).config;
  const entry = (name: string, value: string | number | boolean, type: number, doc: string): ConfigEntry => ({
    name,
    value: String(value),
    source: ConfigSource.STATIC_BROKER_CONFIG,
    type,
    doc,
    synonyms: [{ name, value: String(value), source: ConfigSource.STATIC_BROKER_CONFIG }],
  });
  return [
    entry("broker.id", context.services.brokerId(), ConfigType.INT, "assigned by the control plane"),
    entry(
      "auto.create.topics.enable",
      config.autoCreateTopics,
      ConfigType.BOOLEAN,
      "create unknown topics on Metadata",
    ),
    entry("num.partitions", config.defaultPartitions, ConfigType.INT, "partitions of auto-created topics"),
    entry("socket.request.max.bytes", config.maxFrameBytes, ConfigType.INT, "largest request accepted"),
    entry("connections.max.idle.ms", config.idleConnectionMs, ConfigType.LONG, "idle connections are closed"),
    entry(
      "offsets.topic.num.partitions",
      groups.offsetsTopicPartitions,
      ConfigType.INT,
      "partitions of __consumer_offsets",
    ),
    entry(
      "group.min.session.timeout.ms",
      groups.minSessionTimeoutMs,
      ConfigType.INT,
      "smallest session timeout",
    ),
    entry(
      "group.max.session.timeout.ms",
      groups.maxSessionTimeoutMs,
      ConfigType.INT,
      "largest session timeout",
    ),
    entry(
      "group.initial.rebalance.delay.ms",
      groups.initialRebalanceDelayMs,
      ConfigType.INT,
      "wait for more members",
    ),
    entry("group.max.size", groups.maxGroupSize, ConfigType.INT, "members per group"),
  ];
}

function describeOne(
  resource: Resource,
  metadata: ClusterMetadata | null,
  context: RequestContext,
): { errorCode: number; errorMessage: string | null; entries: ConfigEntry[] } {
  if (resource.resourceType === ResourceType.TOPIC) {
    if (!metadata)
      return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: "metadata unavailable", entries: [] };
    const topic = metadata.topics.find((t) => t.name === resource.resourceName);
    if (!topic) {
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `no topic ${resource.resourceName}`,
        entries: [],
      };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, entries: topicEntries(topic.configs) };
  }
  if (resource.resourceType === ResourceType.BROKER) {
    const self = String(context.services.brokerId());
    if (resource.resourceName !== "" && resource.resourceName !== self) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `this is broker ${self}`, entries: [] };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, entries: brokerEntries(context) };
  }
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `resource type ${resource.resourceType} is not supported`,
    entries: [],
  };
}

export async function handleDescribeConfigs(
  request: DescribeConfigsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeConfigs>> {
  const v = context.apiVersion;
  const needsMetadata = request.resources.some((r) => r.resourceType === ResourceType.TOPIC);
  const metadata = needsMetadata ? await context.services.metadata().catch(() => null) : null;
  const results = request.resources.map((resource) => {
    const { errorCode, errorMessage, entries } = describeOne(resource, metadata, context);
    const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
    return {
      errorCode,
      errorMessage,
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      configs: entries
        .filter((e) => keys === null || keys.has(e.name))
        .map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: resource.resourceType !== ResourceType.TOPIC,
          isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
          configSource: e.source,
          isSensitive: false,
          synonyms: v >= 1 && request.includeSynonyms ? e.synonyms : [],
          configType: e.type,
          documentation: v >= 3 && request.includeDocumentation ? e.doc : null,
        })),
    };
  });
  return { throttleTimeMs: 0, results };
}
