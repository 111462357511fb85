import type { EncodableMessageOf, MessageOf } from "../schema/types.ts";
import type {
  AlterConfigsRequestSpec,
  AlterConfigsResponseSpec,
  IncrementalAlterConfigsRequestSpec,
  IncrementalAlterConfigsResponseSpec,
} from "./alter-configs.ts";
import type { ApiVersionsRequestSpec, ApiVersionsResponseSpec } from "./api-versions.ts";
import type { CreatePartitionsRequestSpec, CreatePartitionsResponseSpec } from "./create-partitions.ts";
import type { CreateTopicsRequestSpec, CreateTopicsResponseSpec } from "./create-topics.ts";
import type { DeleteRecordsRequestSpec, DeleteRecordsResponseSpec } from "./delete-records.ts";
import type { DeleteTopicsRequestSpec, DeleteTopicsResponseSpec } from "./delete-topics.ts";
import type { DescribeClusterRequestSpec, DescribeClusterResponseSpec } from "./describe-cluster.ts";
import type { DescribeConfigsRequestSpec, DescribeConfigsResponseSpec } from "./describe-configs.ts";
import type { DescribeGroupsRequestSpec, DescribeGroupsResponseSpec } from "./describe-groups.ts";
import type { FetchRequestSpec, FetchResponseSpec } from "./fetch.ts";
import type { FindCoordinatorRequestSpec, FindCoordinatorResponseSpec } from "./find-coordinator.ts";
import type {
  DeleteGroupsRequestSpec,
  DeleteGroupsResponseSpec,
  OffsetDeleteRequestSpec,
  OffsetDeleteResponseSpec,
} from "./group-admin.ts";
import type { HeartbeatRequestSpec, HeartbeatResponseSpec } from "./heartbeat.ts";
import type { InitProducerIdRequestSpec, InitProducerIdResponseSpec } from "./init-producer-id.ts";
import type { JoinGroupRequestSpec, JoinGroupResponseSpec } from "./join-group.ts";
import type { LeaveGroupRequestSpec, LeaveGroupResponseSpec } from "./leave-group.ts";
import type { ListGroupsRequestSpec, ListGroupsResponseSpec } from "./list-groups.ts";
import type { ListOffsetsRequestSpec, ListOffsetsResponseSpec } from "./list-offsets.ts";
import type { MetadataRequestSpec, MetadataResponseSpec } from "./metadata.ts";
import type { OffsetCommitRequestSpec, OffsetCommitResponseSpec } from "./offset-commit.ts";
import type { OffsetFetchRequestSpec, OffsetFetchResponseSpec } from "./offset-fetch.ts";
import type {
  OffsetForLeaderEpochRequestSpec,
  OffsetForLeaderEpochResponseSpec,
} from "./offset-for-leader-epoch.ts";
import type { ProduceRequestSpec, ProduceResponseSpec } from "./produce.ts";
import type {
  SaslAuthenticateRequestSpec,
  SaslAuthenticateResponseSpec,
  SaslHandshakeRequestSpec,
  SaslHandshakeResponseSpec,
} from "./sasl.ts";
import type { SyncGroupRequestSpec, SyncGroupResponseSpec } from "./sync-group.ts";
import type {
  AddOffsetsToTxnRequestSpec,
  AddOffsetsToTxnResponseSpec,
  AddPartitionsToTxnRequestSpec,
  AddPartitionsToTxnResponseSpec,
  EndTxnRequestSpec,
  EndTxnResponseSpec,
  TxnOffsetCommitRequestSpec,
  TxnOffsetCommitResponseSpec,
} from "./transactions.ts";

// Type maps from API key to message body types; they drive the typing of decodeRequest
// (a union discriminated by `apiKey`) and of encodeResponse.

interface Specs {
  0: [typeof ProduceRequestSpec, typeof ProduceResponseSpec];
  1: [typeof FetchRequestSpec, typeof FetchResponseSpec];
  2: [typeof ListOffsetsRequestSpec, typeof ListOffsetsResponseSpec];
  3: [typeof MetadataRequestSpec, typeof MetadataResponseSpec];
  8: [typeof OffsetCommitRequestSpec, typeof OffsetCommitResponseSpec];
  9: [typeof OffsetFetchRequestSpec, typeof OffsetFetchResponseSpec];
  10: [typeof FindCoordinatorRequestSpec, typeof FindCoordinatorResponseSpec];
  11: [typeof JoinGroupRequestSpec, typeof JoinGroupResponseSpec];
  12: [typeof HeartbeatRequestSpec, typeof HeartbeatResponseSpec];
  13: [typeof LeaveGroupRequestSpec, typeof LeaveGroupResponseSpec];
  14: [typeof SyncGroupRequestSpec, typeof SyncGroupResponseSpec];
  15: [typeof DescribeGroupsRequestSpec, typeof DescribeGroupsResponseSpec];
  16: [typeof ListGroupsRequestSpec, typeof ListGroupsResponseSpec];
  17: [typeof SaslHandshakeRequestSpec, typeof SaslHandshakeResponseSpec];
  18: [typeof ApiVersionsRequestSpec, typeof ApiVersionsResponseSpec];
  19: [typeof CreateTopicsRequestSpec, typeof CreateTopicsResponseSpec];
  20: [typeof DeleteTopicsRequestSpec, typeof DeleteTopicsResponseSpec];
  21: [typeof DeleteRecordsRequestSpec, typeof DeleteRecordsResponseSpec];
  22: [typeof InitProducerIdRequestSpec, typeof InitProducerIdResponseSpec];
  23: [typeof OffsetForLeaderEpochRequestSpec, typeof OffsetForLeaderEpochResponseSpec];
  24: [typeof AddPartitionsToTxnRequestSpec, typeof AddPartitionsToTxnResponseSpec];
  25: [typeof AddOffsetsToTxnRequestSpec, typeof AddOffsetsToTxnResponseSpec];
  26: [typeof EndTxnRequestSpec, typeof EndTxnResponseSpec];
  28: [typeof TxnOffsetCommitRequestSpec, typeof TxnOffsetCommitResponseSpec];
  32: [typeof DescribeConfigsRequestSpec, typeof DescribeConfigsResponseSpec];
  33: [typeof AlterConfigsRequestSpec, typeof AlterConfigsResponseSpec];
  36: [typeof SaslAuthenticateRequestSpec, typeof SaslAuthenticateResponseSpec];
  37: [typeof CreatePartitionsRequestSpec, typeof CreatePartitionsResponseSpec];
  42: [typeof DeleteGroupsRequestSpec, typeof DeleteGroupsResponseSpec];
  44: [typeof IncrementalAlterConfigsRequestSpec, typeof IncrementalAlterConfigsResponseSpec];
  47: [typeof OffsetDeleteRequestSpec, typeof OffsetDeleteResponseSpec];
  60: [typeof DescribeClusterRequestSpec, typeof DescribeClusterResponseSpec];
}

export type RequestBodies = { [K in keyof Specs]: MessageOf<Specs[K][0]> };
export type ResponseBodies = { [K in keyof Specs]: MessageOf<Specs[K][1]> };
export type EncodableRequestBodies = { [K in keyof Specs]: EncodableMessageOf<Specs[K][0]> };
export type EncodableResponseBodies = { [K in keyof Specs]: EncodableMessageOf<Specs[K][1]> };
