// Every served Kafka API and how it is authorized (Kafka's KafkaApis), in one table.
import { ApiKey } from "@cirrus/kafka-protocol";
import type { AuthorizationRule, AuthorizationRules } from "./authorization-rule.ts";
import {
  deleteGroupsRule,
  describeGroupsRule,
  findCoordinatorRule,
  groupReadRule,
  listGroupsRule,
  offsetCommitRule,
  offsetDeleteRule,
  offsetFetchRule,
} from "./group-rules.ts";
import { isClusterAllowed } from "./request-authorization.ts";
import {
  alterConfigsRule,
  createPartitionsRule,
  createTopicsRule,
  deleteRecordsRule,
  deleteTopicsRule,
  describeConfigsRule,
  incrementalAlterConfigsRule,
  listOffsetsRule,
  metadataRule,
  produceRule,
} from "./topic-rules.ts";
import {
  addOffsetsToTxnRule,
  addPartitionsToTxnRule,
  describeProducersRule,
  describeTransactionsRule,
  endTxnRule,
  initProducerIdRule,
  listTransactionsRule,
  txnOffsetCommitRule,
  writeTxnMarkersRule,
} from "./transaction-rules.ts";

/** The whole request needs `operation` on the CLUSTER (CLUSTER_AUTHORIZATION_FAILED otherwise). */
function clusterRule<K extends 34 | 35 | 45 | 46 | 60>(
  operation: "ALTER" | "DESCRIBE",
): AuthorizationRule<K> {
  return async (request, context, serve, deny) =>
    isClusterAllowed(context, operation)
      ? serve(request)
      : deny(request, 31 /* CLUSTER_AUTHORIZATION_FAILED */);
}

export const authorizationRules: AuthorizationRules = {
  [ApiKey.Produce]: produceRule,
  [ApiKey.Fetch]: "handler", // before reading: withUnreadableDenied (topic-rules.ts)
  [ApiKey.ListOffsets]: listOffsetsRule,
  [ApiKey.Metadata]: metadataRule,
  [ApiKey.OffsetCommit]: offsetCommitRule,
  [ApiKey.OffsetFetch]: offsetFetchRule,
  [ApiKey.FindCoordinator]: findCoordinatorRule,
  [ApiKey.JoinGroup]: groupReadRule<11>(),
  [ApiKey.Heartbeat]: groupReadRule<12>(),
  [ApiKey.LeaveGroup]: groupReadRule<13>(),
  [ApiKey.SyncGroup]: groupReadRule<14>(),
  [ApiKey.DescribeGroups]: describeGroupsRule,
  [ApiKey.ListGroups]: listGroupsRule,
  [ApiKey.SaslHandshake]: "open",
  [ApiKey.ApiVersions]: "open",
  [ApiKey.CreateTopics]: createTopicsRule,
  [ApiKey.DeleteTopics]: deleteTopicsRule,
  [ApiKey.DeleteRecords]: deleteRecordsRule,
  [ApiKey.InitProducerId]: initProducerIdRule,
  [ApiKey.AddPartitionsToTxn]: addPartitionsToTxnRule,
  [ApiKey.AddOffsetsToTxn]: addOffsetsToTxnRule,
  [ApiKey.EndTxn]: endTxnRule,
  [ApiKey.WriteTxnMarkers]: writeTxnMarkersRule,
  [ApiKey.TxnOffsetCommit]: txnOffsetCommitRule,
  [ApiKey.DescribeAcls]: "handler",
  [ApiKey.CreateAcls]: "handler",
  [ApiKey.DeleteAcls]: "handler",
  [ApiKey.DescribeConfigs]: describeConfigsRule,
  [ApiKey.AlterConfigs]: alterConfigsRule,
  [ApiKey.AlterReplicaLogDirs]: clusterRule<34>("ALTER"),
  [ApiKey.DescribeLogDirs]: clusterRule<35>("DESCRIBE"),
  [ApiKey.SaslAuthenticate]: "open",
  [ApiKey.CreatePartitions]: createPartitionsRule,
  [ApiKey.DeleteGroups]: deleteGroupsRule,
  [ApiKey.IncrementalAlterConfigs]: incrementalAlterConfigsRule,
  [ApiKey.AlterPartitionReassignments]: clusterRule<45>("ALTER"),
  [ApiKey.ListPartitionReassignments]: clusterRule<46>("DESCRIBE"),
  [ApiKey.OffsetDelete]: offsetDeleteRule,
  [ApiKey.DescribeClientQuotas]: "handler",
  [ApiKey.DescribeUserScramCredentials]: "handler",
  [ApiKey.AlterUserScramCredentials]: "handler",
  [ApiKey.DescribeCluster]: "open",
  [ApiKey.DescribeProducers]: describeProducersRule,
  [ApiKey.DescribeTransactions]: describeTransactionsRule,
  [ApiKey.ListTransactions]: listTransactionsRule,
  [ApiKey.DescribeTopicPartitions]: "handler", // DESCRIBE per topic, before the page is cut (the handler's file)
};
