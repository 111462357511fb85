// The reassignment messages against bytes laid out by hand from Kafka's JSON schemas (flexible v0: compact
// arrays and strings, a null replica list as compact length 0, an empty tag buffer after every struct).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeRequest, decodeResponse, encodeResponse } from "../src/index.ts";

function frameOf(body: number[]): Buffer {
  // Request header v2: api key 45, version 0, correlation id 9, client id "c", no tags.
  const header = [0, 45, 0, 0, 0, 0, 0, 9, 0, 1, 0x63, 0];
  return Buffer.from([...header, ...body]);
}

describe("AlterPartitionReassignments / ListPartitionReassignments v0", () => {
  it("decodes a request with a replica list and a cancellation (null replicas)", () => {
    const body = [
      ...[0, 0, 0x75, 0x30], // timeout_ms 30000
      2, // one topic
      2,
      0x74, // "t"
      3, // two partitions
      ...[0, 0, 0, 0],
      2, // replicas [3]
      ...[0, 0, 0, 3],
      0,
      ...[0, 0, 0, 1],
      0, // replicas null
      0,
      0, // topic tags
      0, // body tags
    ];
    const decoded = decodeRequest(frameOf(body));
    assert.deepEqual(decoded.body, {
      timeoutMs: 30_000,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, replicas: [3] },
            { partitionIndex: 1, replicas: null },
          ],
        },
      ],
    });
  });

  it("encodes a List response with adding and removing replicas in Kafka's field order", () => {
    const bytes = encodeResponse(
      { apiKey: 46, apiVersion: 0, correlationId: 5 } as never,
      {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        topics: [
          {
            name: "t",
            partitions: [{ partitionIndex: 2, replicas: [1], addingReplicas: [2], removingReplicas: [1] }],
          },
        ],
      } as never,
    );
    const expected = [
      ...[0, 0, 0, 5, 0], // correlation id, header tags
      ...[0, 0, 0, 0], // throttle
      ...[0, 0], // error code
      0, // error message null
      2,
      2,
      0x74,
      2,
      ...[0, 0, 0, 2],
      2,
      ...[0, 0, 0, 1],
      2,
      ...[0, 0, 0, 2],
      2,
      ...[0, 0, 0, 1],
      0,
      0,
      0,
    ];
    assert.deepEqual([...bytes.subarray(4)], expected);
    assert.deepEqual(decodeResponse(46 as never, 0, bytes.subarray(4)).correlationId, 5);
  });
});
