import { type Static, Type } from "@sinclair/typebox";
import { BrokerId, Epoch, HostName, PartitionIndex, Port, StreamId, TopicId, TopicName } from "./common.ts";

export const BrokerState = Type.Union([
  Type.Literal("ACTIVE"),
  Type.Literal("DRAINING"),
  Type.Literal("FENCED"),
  Type.Literal("STOPPED"),
]);
export type BrokerState = Static<typeof BrokerState>;

export const BrokerEndpoint = Type.Object({
  brokerId: BrokerId,
  host: HostName,
  port: Port,
  zone: Type.String(),
  state: BrokerState,
});
export type BrokerEndpoint = Static<typeof BrokerEndpoint>;

export const PartitionMetadata = Type.Object({
  partition: PartitionIndex,
  /** -1 when no live broker leads the partition (Kafka's LEADER_NOT_AVAILABLE). */
  leaderBrokerId: Type.Integer({ minimum: -1 }),
  leaderEpoch: Epoch,
  streamId: StreamId,
});
export type PartitionMetadata = Static<typeof PartitionMetadata>;

export const TopicConfigs = Type.Record(Type.String({ maxLength: 255 }), Type.String({ maxLength: 4096 }));

export const TopicMetadata = Type.Object({
  topicId: TopicId,
  name: TopicName,
  configs: TopicConfigs,
  partitions: Type.Array(PartitionMetadata),
});
export type TopicMetadata = Static<typeof TopicMetadata>;

/** Everything a broker needs to answer Kafka Metadata: every broker of the cluster, every topic. */
export const ClusterMetadata = Type.Object({
  clusterId: Type.String(),
  /** Grows on every metadata change: brokers cache by it. */
  version: Type.Integer({ minimum: 0 }),
  /** The broker Kafka clients see as controller (any live broker; admin calls are forwarded here). */
  controllerBrokerId: Type.Integer({ minimum: -1 }),
  brokers: Type.Array(BrokerEndpoint),
  topics: Type.Array(TopicMetadata),
});
export type ClusterMetadata = Static<typeof ClusterMetadata>;

/**
 * A move's source waiting for its successors (GET /metadata): the answer is held, at most `waitMs`, until no
 * partition of `streams` is announced as led by `movedFrom` any more (their targets opened them, or they are
 * gone). Without `streams` the metadata is answered at once.
 */
export const MetadataQuery = Type.Object(
  {
    movedFrom: Type.Optional(BrokerId),
    /** Stream ids, comma-separated. */
    streams: Type.Optional(Type.String({ pattern: "^[0-9]{1,16}(,[0-9]{1,16}){0,999}$", maxLength: 17_000 })),
    waitMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 0 }),
  },
  { additionalProperties: false },
);
export type MetadataQuery = Static<typeof MetadataQuery>;

/** What a source waits for: its closed streams announced as led elsewhere. */
export interface SuccessorWait {
  movedFrom: number;
  streamIds: readonly number[];
  waitMs: number;
  /** Gives up the wait (the broker stopping). */
  signal?: AbortSignal;
}

export const CreateTopicRequest = Type.Object(
  {
    name: TopicName,
    partitions: Type.Integer({ minimum: 1, maximum: 10_000 }),
    configs: Type.Optional(TopicConfigs),
    /** Check everything, write nothing (Kafka's validateOnly). */
    validateOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateTopicRequest = Static<typeof CreateTopicRequest>;

export const AddPartitionsRequest = Type.Object(
  {
    /** The new total partition count (Kafka's CreatePartitions semantics): must grow. */
    totalCount: Type.Integer({ minimum: 1, maximum: 10_000 }),
    validateOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AddPartitionsRequest = Static<typeof AddPartitionsRequest>;

/** One change of a topic config (Kafka's IncrementalAlterConfigs operations; AlterConfigs is `replace` + sets). */
export const TopicConfigChange = Type.Object(
  {
    name: Type.String({ maxLength: 255 }),
    op: Type.Union([
      Type.Literal("set"),
      Type.Literal("delete"),
      Type.Literal("append"),
      Type.Literal("subtract"),
    ]),
    value: Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type TopicConfigChange = Static<typeof TopicConfigChange>;

export const AlterTopicConfigsRequest = Type.Object(
  {
    changes: Type.Array(TopicConfigChange, { maxItems: 1000 }),
    /** Start from no configs (Kafka's AlterConfigs replaces the whole set) instead of the topic's own. */
    replace: Type.Boolean(),
    validateOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AlterTopicConfigsRequest = Static<typeof AlterTopicConfigsRequest>;

export const TopicPath = Type.Object({ name: TopicName }, { additionalProperties: false });

export const DeleteTopicResponse = Type.Object({ topicId: TopicId, name: TopicName });
export type DeleteTopicResponse = Static<typeof DeleteTopicResponse>;
