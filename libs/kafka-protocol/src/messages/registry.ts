import type { MessageSpec } from "../schema/types.ts";
import {
  AlterConfigsRequestSpec,
  AlterConfigsResponseSpec,
  IncrementalAlterConfigsRequestSpec,
  IncrementalAlterConfigsResponseSpec,
} from "./alter-configs.ts";
import { ApiVersionsRequestSpec, ApiVersionsResponseSpec } from "./api-versions.ts";
import { CreatePartitionsRequestSpec, CreatePartitionsResponseSpec } from "./create-partitions.ts";
import { CreateTopicsRequestSpec, CreateTopicsResponseSpec } from "./create-topics.ts";
import { DeleteRecordsRequestSpec, DeleteRecordsResponseSpec } from "./delete-records.ts";
import { DeleteTopicsRequestSpec, DeleteTopicsResponseSpec } from "./delete-topics.ts";
import { DescribeClusterRequestSpec, DescribeClusterResponseSpec } from "./describe-cluster.ts";
import { DescribeConfigsRequestSpec, DescribeConfigsResponseSpec } from "./describe-configs.ts";
import { DescribeGroupsRequestSpec, DescribeGroupsResponseSpec } from "./describe-groups.ts";
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
import { MetadataRequestSpec, MetadataResponseSpec } from "./metadata.ts";
import { OffsetCommitRequestSpec, OffsetCommitResponseSpec } from "./offset-commit.ts";
import { OffsetFetchRequestSpec, OffsetFetchResponseSpec } from "./offset-fetch.ts";
import {
  OffsetForLeaderEpochRequestSpec,
  OffsetForLeaderEpochResponseSpec,
} from "./offset-for-leader-epoch.ts";
import { ProduceRequestSpec, ProduceResponseSpec } from "./produce.ts";
import {
  SaslAuthenticateRequestSpec,
  SaslAuthenticateResponseSpec,
  SaslHandshakeRequestSpec,
  SaslHandshakeResponseSpec,
} from "./sasl.ts";
import { SyncGroupRequestSpec, SyncGroupResponseSpec } from "./sync-group.ts";
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

/** A request spec with its response spec; both cover the same versions. */
export interface ApiSpec {
  readonly apiKey: number;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

/** Every API this codec decodes (requests) and encodes (responses), by key. */
export const apiSpecs: readonly ApiSpec[] = [
  { apiKey: 0, request: ProduceRequestSpec, response: ProduceResponseSpec },
  { apiKey: 1, request: FetchRequestSpec, response: FetchResponseSpec },
  { apiKey: 2, request: ListOffsetsRequestSpec, response: ListOffsetsResponseSpec },
  { apiKey: 3, request: MetadataRequestSpec, response: MetadataResponseSpec },
  { apiKey: 8, request: OffsetCommitRequestSpec, response: OffsetCommitResponseSpec },
  { apiKey: 9, request: OffsetFetchRequestSpec, response: OffsetFetchResponseSpec },
  { apiKey: 10, request: FindCoordinatorRequestSpec, response: FindCoordinatorResponseSpec },
  { apiKey: 11, request: JoinGroupRequestSpec, response: JoinGroupResponseSpec },
  { apiKey: 12, request: HeartbeatRequestSpec, response: HeartbeatResponseSpec },
  { apiKey: 13, request: LeaveGroupRequestSpec, response: LeaveGroupResponseSpec },
  { apiKey: 14, request: SyncGroupRequestSpec, response: SyncGroupResponseSpec },
  { apiKey: 15, request: DescribeGroupsRequestSpec, response: DescribeGroupsResponseSpec },
  { apiKey: 16, request: ListGroupsRequestSpec, response: ListGroupsResponseSpec },
  { apiKey: 17, request: SaslHandshakeRequestSpec, response: SaslHandshakeResponseSpec },
  { apiKey: 18, request: ApiVersionsRequestSpec, response: ApiVersionsResponseSpec },
  { apiKey: 19, request: CreateTopicsRequestSpec, response: CreateTopicsResponseSpec },
  { apiKey: 20, request: DeleteTopicsRequestSpec, response: DeleteTopicsResponseSpec },
  { apiKey: 21, request: DeleteRecordsRequestSpec, response: DeleteRecordsResponseSpec },
  { apiKey: 22, request: InitProducerIdRequestSpec, response: InitProducerIdResponseSpec },
  { apiKey: 23, request: OffsetForLeaderEpochRequestSpec, response: OffsetForLeaderEpochResponseSpec },
  { apiKey: 24, request: AddPartitionsToTxnRequestSpec, response: AddPartitionsToTxnResponseSpec },
  { apiKey: 25, request: AddOffsetsToTxnRequestSpec, response: AddOffsetsToTxnResponseSpec },
  { apiKey: 26, request: EndTxnRequestSpec, response: EndTxnResponseSpec },
  { apiKey: 28, request: TxnOffsetCommitRequestSpec, response: TxnOffsetCommitResponseSpec },
  { apiKey: 32, request: DescribeConfigsRequestSpec, response: DescribeConfigsResponseSpec },
  { apiKey: 33, request: AlterConfigsRequestSpec, response: AlterConfigsResponseSpec },
  { apiKey: 36, request: SaslAuthenticateRequestSpec, response: SaslAuthenticateResponseSpec },
  { apiKey: 37, request: CreatePartitionsRequestSpec, response: CreatePartitionsResponseSpec },
  { apiKey: 42, request: DeleteGroupsRequestSpec, response: DeleteGroupsResponseSpec },
  { apiKey: 44, request: IncrementalAlterConfigsRequestSpec, response: IncrementalAlterConfigsResponseSpec },
  { apiKey: 47, request: OffsetDeleteRequestSpec, response: OffsetDeleteResponseSpec },
  { apiKey: 60, request: DescribeClusterRequestSpec, response: DescribeClusterResponseSpec },
];

const byKey = new Map<number, ApiSpec>(apiSpecs.map((s) => [s.apiKey, s]));

export function apiSpec(apiKey: number): ApiSpec | undefined {
  return byKey.get(apiKey);
}
