import type { MessageSpec } from "../schema/types.ts";
import {
  CreateAclsRequestSpec,
  CreateAclsResponseSpec,
  DeleteAclsRequestSpec,
  DeleteAclsResponseSpec,
  DescribeAclsRequestSpec,
  DescribeAclsResponseSpec,
} from "./acls.ts";
import {
  AlterConfigsRequestSpec,
  AlterConfigsResponseSpec,
  IncrementalAlterConfigsRequestSpec,
  IncrementalAlterConfigsResponseSpec,
} from "./alter-configs.ts";
import { ApiVersionsRequestSpec, ApiVersionsResponseSpec } from "./api-versions.ts";
import { DescribeClientQuotasRequestSpec, DescribeClientQuotasResponseSpec } from "./client-quotas.ts";
import { CreatePartitionsRequestSpec, CreatePartitionsResponseSpec } from "./create-partitions.ts";
import { CreateTopicsRequestSpec, CreateTopicsResponseSpec } from "./create-topics.ts";
import { DeleteRecordsRequestSpec, DeleteRecordsResponseSpec } from "./delete-records.ts";
import { DeleteTopicsRequestSpec, DeleteTopicsResponseSpec } from "./delete-topics.ts";
import { DescribeClusterRequestSpec, DescribeClusterResponseSpec } from "./describe-cluster.ts";
import { DescribeConfigsRequestSpec, DescribeConfigsResponseSpec } from "./describe-configs.ts";
import { DescribeGroupsRequestSpec, DescribeGroupsResponseSpec } from "./describe-groups.ts";
import {
  DescribeTopicPartitionsRequestSpec,
  DescribeTopicPartitionsResponseSpec,
} from "./describe-topic-partitions.ts";
import { FetchRequestSpec, FetchResponseSpec } from "./fetch.ts";
import { FindCoordinatorRequestSpec, FindCoordinatorResponseSpec } from "./find-coordinator.ts";
import {
  DeleteGroupsRequestSpec,
  DeleteGroupsResponseSpec,
  OffsetDeleteRequestSpec,
  OffsetDeleteResponseSpec,
} from "./group-admin.ts";
import { HeartbeatRequestSpec, HeartbeatResponseSpec } from "./heartbeat.ts";
import { InitProducerIdRequestSpec, InitProducerIdResponseSpec } from "./init-producer-id.ts";
import { JoinGroupRequestSpec, JoinGroupResponseSpec } from "./join-group.ts";
import { LeaveGroupRequestSpec, LeaveGroupResponseSpec } from "./leave-group.ts";
import { ListGroupsRequestSpec, ListGroupsResponseSpec } from "./list-groups.ts";
import { ListOffsetsRequestSpec, ListOffsetsResponseSpec } from "./list-offsets.ts";
import {
  AlterReplicaLogDirsRequestSpec,
  AlterReplicaLogDirsResponseSpec,
  DescribeLogDirsRequestSpec,
  DescribeLogDirsResponseSpec,
} from "./log-dirs.ts";
import { MetadataRequestSpec, MetadataResponseSpec } from "./metadata.ts";
import { OffsetCommitRequestSpec, OffsetCommitResponseSpec } from "./offset-commit.ts";
import { OffsetFetchRequestSpec, OffsetFetchResponseSpec } from "./offset-fetch.ts";
import {
  OffsetForLeaderEpochRequestSpec,
  OffsetForLeaderEpochResponseSpec,
} from "./offset-for-leader-epoch.ts";
import {
  AlterPartitionReassignmentsRequestSpec,
  AlterPartitionReassignmentsResponseSpec,
  ListPartitionReassignmentsRequestSpec,
  ListPartitionReassignmentsResponseSpec,
} from "./partition-reassignments.ts";
import { ProduceRequestSpec, ProduceResponseSpec } from "./produce.ts";
import {
  SaslAuthenticateRequestSpec,
  SaslAuthenticateResponseSpec,
  SaslHandshakeRequestSpec,
  SaslHandshakeResponseSpec,
} from "./sasl.ts";
import {
  AlterUserScramCredentialsRequestSpec,
  AlterUserScramCredentialsResponseSpec,
  DescribeUserScramCredentialsRequestSpec,
  DescribeUserScramCredentialsResponseSpec,
} from "./scram-credentials.ts";
import { SyncGroupRequestSpec, SyncGroupResponseSpec } from "./sync-group.ts";
import {
  DescribeProducersRequestSpec,
  DescribeProducersResponseSpec,
  DescribeTransactionsRequestSpec,
  DescribeTransactionsResponseSpec,
  ListTransactionsRequestSpec,
  ListTransactionsResponseSpec,
} from "./transaction-admin.ts";
import {
  AddOffsetsToTxnRequestSpec,
  AddOffsetsToTxnResponseSpec,
  AddPartitionsToTxnRequestSpec,
  AddPartitionsToTxnResponseSpec,
  EndTxnRequestSpec,
  EndTxnResponseSpec,
  TxnOffsetCommitRequestSpec,
  TxnOffsetCommitResponseSpec,
} from "./transactions.ts";
import { WriteTxnMarkersRequestSpec, WriteTxnMarkersResponseSpec } from "./write-txn-markers.ts";

/** A request spec with its response spec; both cover the same versions. */
export interface ApiSpec {
  readonly apiKey: number;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

/**
 * Every API this codec decodes (requests) and encodes (responses): key → [request spec, response spec].
 * The one list: the body types in bodies.ts are derived from it.
 */
export const apiSpecTable = {
  0: [ProduceRequestSpec, ProduceResponseSpec],
  1: [FetchRequestSpec, FetchResponseSpec],
  2: [ListOffsetsRequestSpec, ListOffsetsResponseSpec],
  3: [MetadataRequestSpec, MetadataResponseSpec],
  8: [OffsetCommitRequestSpec, OffsetCommitResponseSpec],
  9: [OffsetFetchRequestSpec, OffsetFetchResponseSpec],
  10: [FindCoordinatorRequestSpec, FindCoordinatorResponseSpec],
  11: [JoinGroupRequestSpec, JoinGroupResponseSpec],
  12: [HeartbeatRequestSpec, HeartbeatResponseSpec],
  13: [LeaveGroupRequestSpec, LeaveGroupResponseSpec],
  14: [SyncGroupRequestSpec, SyncGroupResponseSpec],
  15: [DescribeGroupsRequestSpec, DescribeGroupsResponseSpec],
  16: [ListGroupsRequestSpec, ListGroupsResponseSpec],
  17: [SaslHandshakeRequestSpec, SaslHandshakeResponseSpec],
  18: [ApiVersionsRequestSpec, ApiVersionsResponseSpec],
  19: [CreateTopicsRequestSpec, CreateTopicsResponseSpec],
  20: [DeleteTopicsRequestSpec, DeleteTopicsResponseSpec],
  21: [DeleteRecordsRequestSpec, DeleteRecordsResponseSpec],
  22: [InitProducerIdRequestSpec, InitProducerIdResponseSpec],
  23: [OffsetForLeaderEpochRequestSpec, OffsetForLeaderEpochResponseSpec],
  24: [AddPartitionsToTxnRequestSpec, AddPartitionsToTxnResponseSpec],
  25: [AddOffsetsToTxnRequestSpec, AddOffsetsToTxnResponseSpec],
  26: [EndTxnRequestSpec, EndTxnResponseSpec],
  27: [WriteTxnMarkersRequestSpec, WriteTxnMarkersResponseSpec],
  28: [TxnOffsetCommitRequestSpec, TxnOffsetCommitResponseSpec],
  29: [DescribeAclsRequestSpec, DescribeAclsResponseSpec],
  30: [CreateAclsRequestSpec, CreateAclsResponseSpec],
  31: [DeleteAclsRequestSpec, DeleteAclsResponseSpec],
  32: [DescribeConfigsRequestSpec, DescribeConfigsResponseSpec],
  33: [AlterConfigsRequestSpec, AlterConfigsResponseSpec],
  34: [AlterReplicaLogDirsRequestSpec, AlterReplicaLogDirsResponseSpec],
  35: [DescribeLogDirsRequestSpec, DescribeLogDirsResponseSpec],
  36: [SaslAuthenticateRequestSpec, SaslAuthenticateResponseSpec],
  37: [CreatePartitionsRequestSpec, CreatePartitionsResponseSpec],
  42: [DeleteGroupsRequestSpec, DeleteGroupsResponseSpec],
  44: [IncrementalAlterConfigsRequestSpec, IncrementalAlterConfigsResponseSpec],
  45: [AlterPartitionReassignmentsRequestSpec, AlterPartitionReassignmentsResponseSpec],
  46: [ListPartitionReassignmentsRequestSpec, ListPartitionReassignmentsResponseSpec],
  47: [OffsetDeleteRequestSpec, OffsetDeleteResponseSpec],
  48: [DescribeClientQuotasRequestSpec, DescribeClientQuotasResponseSpec],
  50: [DescribeUserScramCredentialsRequestSpec, DescribeUserScramCredentialsResponseSpec],
  51: [AlterUserScramCredentialsRequestSpec, AlterUserScramCredentialsResponseSpec],
  60: [DescribeClusterRequestSpec, DescribeClusterResponseSpec],
  61: [DescribeProducersRequestSpec, DescribeProducersResponseSpec],
  65: [DescribeTransactionsRequestSpec, DescribeTransactionsResponseSpec],
  66: [ListTransactionsRequestSpec, ListTransactionsResponseSpec],
  75: [DescribeTopicPartitionsRequestSpec, DescribeTopicPartitionsResponseSpec],
} as const;

/** Every API this codec decodes (requests) and encodes (responses), by key. */
export const apiSpecs: readonly ApiSpec[] = Object.entries(apiSpecTable).map(
  ([apiKey, [request, response]]) => ({
    apiKey: Number(apiKey),
    request,
    response,
  }),
);

const byKey = new Map<number, ApiSpec>(apiSpecs.map((s) => [s.apiKey, s]));

export function apiSpec(apiKey: number): ApiSpec | undefined {
  return byKey.get(apiKey);
}
