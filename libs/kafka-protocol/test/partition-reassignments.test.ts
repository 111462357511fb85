// AlterPartitionReassignments / ListPartitionReassignments v0 byte for byte, as the Java client writes them
// (flexible v0: request header v2, compact arrays with length+1, 0 for a null array, empty tag buffers).
// The generic round trip of every version is in codec.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKey, decodeRequest, decodeResponse, encodeResponse } from "../src/index.ts";

const header45 = [0, 45, 0, 0, 0, 0, 0, 9, 0, 1, 0x63, 0]; // key 45, v0, corr 9, client "c", no tags

describe("partition reassignment messages", () => {
  it("decodes an AlterPartitionReassignments v0 request with a target list and a cancel (null replicas)", () => {
    const frame = Buffer.from([
      ...header45,
      0,
      0,
      0x75,
      0x30, // timeout_ms 30000
      2, // 1 topic
      2,
      0x74, // name "t"
      3, // 2 partitions
      0,
      0,
      0,
      0, // partition 0
      2,
      0,
      0,
      0,
      2, // replicas [2]
      0, // tags
      0,
      0,
      0,
      1, // partition 1
      0, // replicas null (cancel)
      0,
      0, // topic tags
      0, // body tags
    ]);
    const req = decodeRequest(frame);
    assert.equal(req.apiKey, ApiKey.AlterPartitionReassignments);
    if (req.apiKey !== ApiKey.AlterPartitionReassignments) return;
    assert.deepEqual(req.body, {
      timeoutMs: 30000,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, replicas: [2] },
            { partitionIndex: 1, replicas: null },
          ],
        },
      ],
    });
  });

  it("decodes a ListPartitionReassignments v0 request for every partition (topics null)", () => {
    const frame = Buffer.from([0, 46, 0, 0, 0, 0, 0, 9, 0, 1, 0x63, 0, 0, 0, 0xea, 0x60, 0, 0]);
    const req = decodeRequest(frame);
    assert.equal(req.apiKey, ApiKey.ListPartitionReassignments);
    if (req.apiKey !== ApiKey.ListPartitionReassignments) return;
    assert.deepEqual(req.body, { timeoutMs: 60000, topics: null });
  });

  it("encodes a ListPartitionReassignments v0 response a Java client reads", () => {
    const body = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          name: "t",
          partitions: [{ partitionIndex: 0, replicas: [2, 1], addingReplicas: [2], removingReplicas: [1] }],
        },
      ],
    };
    const bytes = encodeResponse(
      { apiKey: ApiKey.ListPartitionReassignments, apiVersion: 0, correlationId: 9 },
      body,
    );
    // After size and correlation id: header tags (flexible: header v1), throttle 0, error 0, message null,
    // then 1 topic "t" with partition 0: replicas [2, 1], adding [2], removing [1], and the tag buffers.
    assert.deepEqual(
      [...bytes.subarray(8)],
      [
        0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0x74, 2, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 2, 0, 0, 0, 2, 2, 0, 0,
        0, 1, 0, 0, 0,
      ],
    );
    const decoded = decodeResponse(ApiKey.ListPartitionReassignments, 0, bytes.subarray(4));
    assert.deepEqual(decoded.body, body);
  });
});
