// Topic configs as Kafka's config APIs spell them. Which configs exist, their defaults and how their values
// are checked is @cirrus/broker-api's topic-rules, shared with the control plane (which stores them as given).
import type { TopicConfigType } from "@cirrus/broker-api";

/** Kafka's ConfigResource.Type values (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs). */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** Kafka's DescribeConfigs configType values. */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** Kafka's DescribeConfigs configSource values. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

const kafkaTypes: Record<TopicConfigType, number> = {
  boolean: ConfigType.BOOLEAN,
  int: ConfigType.INT,
  long: ConfigType.LONG,
  double: ConfigType.DOUBLE,
  string: ConfigType.STRING,
  list: ConfigType.LIST,
};

/** The configType DescribeConfigs reports for a topic config of this type. */
export function kafkaConfigType(type: TopicConfigType): number {
  return kafkaTypes[type];
}
