import { TopicConfigs, TopicName } from "@cirrus/broker-api";
import { Type } from "@sinclair/typebox";

export const ClusterTopicPath = Type.Object(
  { id: Type.String({ format: "uuid" }), name: TopicName },
  { additionalProperties: false },
);

export const CreatePublicTopicRequest = Type.Object(
  {
    name: TopicName,
    partitions: Type.Integer({ minimum: 1, maximum: 10_000 }),
    configs: Type.Optional(TopicConfigs),
  },
  { additionalProperties: false },
);

export const UpdateTopicRequest = Type.Object({ configs: TopicConfigs }, { additionalProperties: false });

export const AddPublicPartitionsRequest = Type.Object(
  { totalCount: Type.Integer({ minimum: 1, maximum: 10_000 }) },
  { additionalProperties: false },
);
