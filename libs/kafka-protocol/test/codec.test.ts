import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ApiKey,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  encodeUnsupportedApiVersionsResponse,
  ProtocolError,
  supportedApiVersions,
} from "../src/index.ts";
import { apiSpecs } from "../src/messages/registry.ts";
import { versionRange } from "../src/schema/message-codec.ts";
import { messageArbitrary } from "./support/message-arbitrary.ts";

// Round trip of every API and every version, with random valid messages (fast-check):
// encode → decode gives the message back, and decode → encode gives the same bytes.

const runsPerVersion = 25;

describe("round trip of every API version", () => {
  for (const api of apiSpecs) {
    const { minVersion, maxVersion } = versionRange(api.request);
    it(`${api.request.name} / ${api.response.name} v${minVersion}-${maxVersion}`, () => {
      for (let version = minVersion; version <= maxVersion; version++) {
        fc.assert(
          fc.property(messageArbitrary(api.request, version), fc.integer(), (body, correlationId) => {
            const header = { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: "rt" };
            // biome-ignore lint/suspicious/noExplicitAny: the test drives every API generically
            const bytes = encodeRequest(header as any, body as any);
            assert.equal(bytes.readInt32BE(0), bytes.length - 4);
            const decoded = decodeRequest(bytes.subarray(4));
            assert.deepEqual(decoded.header, header);
            assert.deepEqual(decoded.body, body);
            // biome-ignore lint/suspicious/noExplicitAny: see above
            assert.deepEqual(encodeRequest(decoded.header as any, decoded.body as any), bytes);
          }),
          { numRuns: runsPerVersion },
        );
        fc.assert(
          fc.property(messageArbitrary(api.response, version), fc.integer(), (body, correlationId) => {
            const header = { apiKey: api.apiKey, apiVersion: version, correlationId };
            // biome-ignore lint/suspicious/noExplicitAny: see above
            const bytes = encodeResponse(header as any, body as any);
            // biome-ignore lint/suspicious/noExplicitAny: see above
            const decoded = decodeResponse(api.apiKey as any, version, bytes.subarray(4));
            assert.equal(decoded.correlationId, correlationId);
            assert.deepEqual(decoded.body, body);
            // biome-ignore lint/suspicious/noExplicitAny: see above
            assert.deepEqual(Buffer.concat(encodeResponseChunks(header as any, decoded.body as any)), bytes);
          }),
          { numRuns: runsPerVersion },
        );
      }
    });
  }
});

describe("decodeRequest", () => {
  it("decodes a hand-built Metadata v1 request byte for byte", () => {
    const frame = Buffer.from([
      0,
      3,
      0,
      1,
      0,
      0,
      0,
      7,
      0,
      1,
      0x63, // header: key 3, v1, corr 7, client "c"
      0,
      0,
      0,
      1,
      0,
      3,
      0x61,
      0x62,
      0x63, // topics: ["abc"]
    ]);
    const req = decodeRequest(frame);
    assert.deepEqual(req.header, { apiKey: 3, apiVersion: 1, correlationId: 7, clientId: "c" });
    assert.equal(req.apiKey, ApiKey.Metadata);
    if (req.apiKey !== ApiKey.Metadata) return;
    assert.deepEqual(req.body.topics, [{ topicId: "00000000000000000000000000000000", name: "abc" }]);
  });

  it("throws UNKNOWN_API_KEY carrying the header", () => {
    const frame = Buffer.from([0x7f, 0x00, 0, 0, 0, 0, 0, 42, 0xff, 0xff]);
    assert.throws(
      () => decodeRequest(frame),
      (err: unknown) =>
        err instanceof ProtocolError &&
        err.code === "UNKNOWN_API_KEY" &&
        err.header?.correlationId === 42 &&
        err.header.apiKey === 0x7f00,
    );
  });

  it("throws UNSUPPORTED_VERSION carrying the header, without reading the body", () => {
    const frame = Buffer.from([0, 18, 0, 99, 0, 0, 0, 5, 0xff, 0xff, 0xde, 0xad]);
    assert.throws(
      () => decodeRequest(frame),
      (err: unknown) =>
        err instanceof ProtocolError &&
        err.code === "UNSUPPORTED_VERSION" &&
        err.header?.apiVersion === 99 &&
        err.header.correlationId === 5,
    );
  });

  it("ignores trailing bytes after a request body, as Kafka's broker does", () => {
    const ok = encodeRequest({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: null }, {});
    const frame = Buffer.concat([ok.subarray(4), Buffer.from([0, 0, 0, 7])]);
    const req = decodeRequest(frame);
    assert.equal(req.apiKey, ApiKey.ApiVersions);
    assert.equal(req.header.correlationId, 1);
    // A ListGroups v2 (non-flexible, empty body) followed by junk: the body still decodes.
    const groups = encodeRequest({ apiKey: 16, apiVersion: 2, correlationId: 9, clientId: "old" }, {});
    const decoded = decodeRequest(Buffer.concat([groups.subarray(4), Buffer.from([1, 2, 3])]));
    assert.equal(decoded.apiKey, ApiKey.ListGroups);
    assert.equal(decoded.header.clientId, "old");
  });

  it("still refuses a request body cut short", () => {
    const ok = encodeRequest(
      { apiKey: 19, apiVersion: 4, correlationId: 1, clientId: null },
      {
        topics: [{ name: "t", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
        validateOnly: false,
      },
    );
    assert.throws(() => decodeRequest(ok.subarray(4, ok.length - 3)), { name: "ProtocolError" });
  });

  it("rejects trailing bytes after a response body", () => {
    const ok = encodeResponse({ apiKey: 18, apiVersion: 0, correlationId: 1 }, { errorCode: 0, apiKeys: [] });
    const frame = Buffer.concat([ok.subarray(4), Buffer.from([0])]);
    assert.throws(() => decodeResponse(18, 0, frame), { name: "ProtocolError", code: "TRAILING_BYTES" });
  });

  it("keeps records as zero-copy slices of the frame", () => {
    const records = Buffer.alloc(1000, 7);
    const bytes = encodeRequest(
      { apiKey: 0, apiVersion: 9, correlationId: 1, clientId: "p" },
      { acks: -1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records }] }] },
    );
    const req = decodeRequest(bytes.subarray(4));
    assert.equal(req.apiKey, ApiKey.Produce);
    if (req.apiKey !== ApiKey.Produce) return;
    const got = req.body.topicData[0]!.partitionData[0]!.records!;
    assert.deepEqual(got, records);
    assert.equal(got.buffer, bytes.buffer);
  });
});

describe("ApiVersions", () => {
  it("answers an unsupported version with a v0 UNSUPPORTED_VERSION body and the supported list", () => {
    const bytes = encodeUnsupportedApiVersionsResponse(9);
    const { correlationId, body } = decodeResponse(18, 0, bytes.subarray(4));
    assert.equal(correlationId, 9);
    assert.equal(body.errorCode, 35);
    assert.deepEqual(body.apiKeys, supportedApiVersions());
  });

  it("uses response header v0 even for the flexible v3", () => {
    const bytes = encodeResponse(
      { apiKey: 18, apiVersion: 3, correlationId: 1 },
      { errorCode: 0, apiKeys: [] },
    );
    // size, correlation id, then directly the body's error code (no header tagged fields byte)
    assert.deepEqual([...bytes.subarray(8, 10)], [0, 0]);
    assert.equal(bytes.length, 4 + 4 + 2 + 1 + 4 + 1);
  });

  it("lists every supported API with its range", () => {
    const list = supportedApiVersions();
    const produce = list.find((a) => a.apiKey === ApiKey.Produce);
    // Produce 2 and Fetch 2 must be advertised: librdkafka (kcat) only enables gzip, snappy
    // and lz4 when they are (its "MsgVer1" feature), see test/golden/kcat.test.ts.
    assert.deepEqual(produce, { apiKey: 0, minVersion: 0, maxVersion: 11 });
    const fetch = list.find((a) => a.apiKey === ApiKey.Fetch);
    assert.deepEqual(fetch, { apiKey: 1, minVersion: 0, maxVersion: 16 });
  });
});
