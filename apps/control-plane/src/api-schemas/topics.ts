import {
  INTERNAL_TOPICS,
  MAX_PARTITIONS,
  MAX_TOPIC_CONFIGS_BYTES,
  TopicConfigs,
  TopicName,
  topicConfigSpecs,
} from "@cirrus/broker-api";
import { CloneType, Type } from "@sinclair/typebox";

export const ClusterTopicPath = Type.Object(
  { id: Type.String({ format: "uuid" }), name: TopicName },
  { additionalProperties: false },
);

// The values are checked by the topics service with Kafka's rules (@cirrus/broker-api's topic-rules), the
// same check brokers make for Kafka clients; a broken rule is a 400 problem.
const RequestTopicConfigs = CloneType(TopicConfigs, {
  description:
    `Kafka topic configs, typed and ranged as Kafka does; known keys: ${[...topicConfigSpecs.keys()].join(", ")}. ` +
    `Keys and values take at most ${MAX_TOPIC_CONFIGS_BYTES} bytes in all.`,
});

export const CreatePublicTopicRequest = Type.Object(
  {
    name: CloneType(TopicName, {
      description: `Kafka's rules: 1..249 of [a-zA-Z0-9._-], not "." or ".."; internal topics (${[...INTERNAL_TOPICS].join(", ")}) are refused.`,
    }),
    partitions: Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS }),
    configs: Type.Optional(RequestTopicConfigs),
  },
  { additionalProperties: false },
);

export const UpdateTopicRequest = Type.Object(
  { configs: RequestTopicConfigs },
  { additionalProperties: false },
);

export const AddPublicPartitionsRequest = Type.Object(
  { totalCount: Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS }) },
  { additionalProperties: false },
);
