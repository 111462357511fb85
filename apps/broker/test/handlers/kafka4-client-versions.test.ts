// Kafka 4 clients (kafka-clients 4.4.0) speak only the versions left after KIP-896 removed the old ones: every
// API they send that this broker serves must be advertised in a range that reaches their lowest version, or
// ApiVersions negotiation finds nothing and the client fails with UnsupportedVersionException. The table is
// each API's validVersions in 4.4.0's message schemas (common/message/*Request.json in kafka-clients); the
// end to end check is e2e/test/kafka4-tools.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { apiName } from "@cirrus/kafka-protocol";
import { advertisedApiVersions, coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { servedExtraHandlers } from "../../src/index.ts";

/**
 * [api key, lowest version, highest version] a Kafka 4.4.0 client sends, for the APIs served here. Not served,
 * so not listed: OffsetForLeaderEpoch (23, 2–4), without which the consumer skips its position validation.
 */
const kafka4ClientVersions: readonly (readonly [number, number, number])[] = [
  [0, 3, 13], // Produce
  [1, 4, 18], // Fetch
  [2, 1, 11], // ListOffsets
  [3, 0, 13], // Metadata
  [8, 2, 10], // OffsetCommit
  [9, 1, 10], // OffsetFetch
  [10, 0, 6], // FindCoordinator
  [11, 0, 9], // JoinGroup
  [12, 0, 4], // Heartbeat
  [13, 0, 5], // LeaveGroup
  [14, 0, 5], // SyncGroup
  [15, 0, 6], // DescribeGroups
  [16, 0, 5], // ListGroups
  [17, 0, 1], // SaslHandshake
  [18, 0, 5], // ApiVersions
  [19, 2, 7], // CreateTopics
  [20, 1, 6], // DeleteTopics
  [21, 0, 2], // DeleteRecords
  [22, 0, 6], // InitProducerId
  [24, 0, 5], // AddPartitionsToTxn
  [25, 0, 4], // AddOffsetsToTxn
  [26, 0, 5], // EndTxn
  [27, 1, 2], // WriteTxnMarkers
  [28, 0, 6], // TxnOffsetCommit
  [29, 1, 3], // DescribeAcls
  [30, 1, 3], // CreateAcls
  [31, 1, 3], // DeleteAcls
  [32, 1, 4], // DescribeConfigs
  [33, 0, 2], // AlterConfigs
  [34, 1, 2], // AlterReplicaLogDirs
  [35, 1, 5], // DescribeLogDirs
  [36, 0, 2], // SaslAuthenticate
  [37, 0, 3], // CreatePartitions
  [42, 0, 3], // DeleteGroups
  [44, 0, 1], // IncrementalAlterConfigs
  [45, 0, 1], // AlterPartitionReassignments
  [46, 0, 0], // ListPartitionReassignments
  [47, 0, 0], // OffsetDelete
  [48, 0, 1], // DescribeClientQuotas
  [50, 0, 0], // DescribeUserScramCredentials
  [51, 0, 0], // AlterUserScramCredentials
  [60, 0, 2], // DescribeCluster
  [61, 0, 0], // DescribeProducers
  [65, 0, 0], // DescribeTransactions
  [66, 0, 2], // ListTransactions
];

test("ApiVersions offers every API a Kafka 4.4 client sends at a version it speaks (KIP-896 minimums)", () => {
  const served = new Map(
    advertisedApiVersions(mergeHandlers(coreHandlers, ...servedExtraHandlers)).map((r) => [r.apiKey, r]),
  );
  for (const [apiKey, clientMin, clientMax] of kafka4ClientVersions) {
    const ours = served.get(apiKey);
    const what = `${apiName(apiKey)} (${apiKey})`;
    assert.ok(ours, `${what} is served`);
    assert.ok(
      ours.minVersion <= clientMin && ours.maxVersion >= clientMin,
      `${what}: we offer ${ours.minVersion}–${ours.maxVersion}, a Kafka 4 client speaks ${clientMin}–${clientMax}`,
    );
  }
});
