// DescribeTopicPartitions v0 (KIP-966) byte for byte, as Kafka's generated code writes it (flexible v0:
// request header v2, compact arrays and strings with length+1, a nullable struct as an int8 marker (-1 null,
// 1 present) before its fields, empty tag buffers). The generic round trip of every version is in codec.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKey, decodeRequest, decodeResponse, encodeResponse } from "../src/index.ts";

const header75 = [0, 75, 0, 0, 0, 0, 0, 9, 0, 1, 0x63, 0]; // key 75, v0, corr 9, client "c", no tags

describe("DescribeTopicPartitions messages", () => {
  it("decodes a request with a topic list, a partition limit and a cursor", () => {
    const frame = Buffer.from([
      ...header75,
      3, // 2 topics
      2,
      0x61, // "a"
      0, // tags
      2,
      0x62, // "b"
      0,
      0,
      0,
      0,
      5, // response_partition_limit 5
      1, // cursor present
      2,
      0x62, // topic_name "b"
      0,
      0,
      0,
      3, // partition_index 3
      0, // cursor tags
      0, // body tags
    ]);
    const req = decodeRequest(frame);
    assert.equal(req.apiKey, ApiKey.DescribeTopicPartitions);
    if (req.apiKey !== ApiKey.DescribeTopicPartitions) return;
    assert.deepEqual(req.body, {
      topics: [{ name: "a" }, { name: "b" }],
      responsePartitionLimit: 5,
      cursor: { topicName: "b", partitionIndex: 3 },
    });
  });

  it("decodes a request for every topic without a cursor (0xff: null struct)", () => {
    const frame = Buffer.from([...header75, 1, 0, 0, 7, 0xd0, 0xff, 0]);
    const req = decodeRequest(frame);
    if (req.apiKey !== ApiKey.DescribeTopicPartitions) return assert.fail("wrong api");
    assert.deepEqual(req.body, { topics: [], responsePartitionLimit: 2000, cursor: null });
  });

  it("encodes a response with empty ELR lists and a next cursor", () => {
    const body = {
      throttleTimeMs: 0,
      topics: [
        {
          errorCode: 0,
          name: "t",
          topicId: "000102030405060708090a0b0c0d0e0f",
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 2,
              leaderEpoch: 7,
              replicaNodes: [2],
              isrNodes: [2],
              eligibleLeaderReplicas: [],
              lastKnownElr: [],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: 0x0df8,
        },
      ],
      nextCursor: { topicName: "t", partitionIndex: 1 },
    };
    const bytes = encodeResponse(
      { apiKey: ApiKey.DescribeTopicPartitions, apiVersion: 0, correlationId: 9 },
      body,
    );
    // After size and correlation id: header tags, throttle 0, 1 topic: error 0, "t", its 16-byte id, not
    // internal, 1 partition (error 0, index 0, leader 2, epoch 7, replicas [2], isr [2], elr [], last known
    // elr [], offline [], tags), operations 0x0df8, tags; then cursor present: "t", 1, tags; body tags.
    assert.deepEqual(
      [...bytes.subarray(8)],
      [
        0,
        ...[0, 0, 0, 0],
        2,
        ...[0, 0],
        2,
        0x74,
        ...Array.from({ length: 16 }, (_, i) => i),
        0,
        2,
        ...[0, 0],
        ...[0, 0, 0, 0],
        ...[0, 0, 0, 2],
        ...[0, 0, 0, 7],
        2,
        ...[0, 0, 0, 2],
        2,
        ...[0, 0, 0, 2],
        1,
        1,
        1,
        0,
        ...[0, 0, 0x0d, 0xf8],
        0,
        1,
        2,
        0x74,
        ...[0, 0, 0, 1],
        0,
        0,
      ],
    );
    const decoded = decodeResponse(ApiKey.DescribeTopicPartitions, 0, bytes.subarray(4));
    assert.deepEqual(decoded.body, body);
  });

  it("writes a null next cursor as -1 and null ELR lists as compact null (0)", () => {
    const bytes = encodeResponse(
      { apiKey: ApiKey.DescribeTopicPartitions, apiVersion: 0, correlationId: 9 },
      {
        throttleTimeMs: 0,
        topics: [
          {
            errorCode: 0,
            name: "t",
            topicId: "000102030405060708090a0b0c0d0e0f",
            partitions: [
              {
                errorCode: 0,
                partitionIndex: 0,
                leaderId: -1,
                replicaNodes: [],
                isrNodes: [],
                offlineReplicas: [],
              },
            ],
          },
        ],
      },
    );
    // The last bytes: leader -1, epoch -1 (default), replicas [], isr [], elr null, last known elr null,
    // offline [], partition tags, operations -2147483648 (default), topic tags, cursor -1 (null), body tags.
    assert.deepEqual(
      [...bytes.subarray(bytes.length - 21)],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 1, 0, 0, 1, 0, 0x80, 0, 0, 0, 0, 0xff, 0],
    );
  });
});
