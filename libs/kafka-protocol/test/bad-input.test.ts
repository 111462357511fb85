import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, ProtocolError } from "../src/index.ts";

// Deterministic bad-input cases (the fuzz test covers the random ones): each must fail
// with a typed ProtocolError carrying the request header, without allocating what the
// bytes claim.

function metadataV1(topicBytes: number[]): Buffer {
  return Buffer.from([0, 3, 0, 1, 0, 0, 0, 9, 0xff, 0xff, ...topicBytes]);
}

function expectCode(fn: () => unknown, code: string): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ProtocolError, `expected ProtocolError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  return caught;
}

describe("bad input", () => {
  it("rejects a huge array count without allocating it", () => {
    const err = expectCode(() => decodeRequest(metadataV1([0x7f, 0xff, 0xff, 0xff])), "TRUNCATED");
    assert.equal(err.header?.correlationId, 9);
  });

  it("rejects a count whose elements cannot fit, counting each element's minimum size", () => {
    // DescribeGroups v0: groups is []string; 10 strings need >= 20 bytes, only 10 follow
    const frame = Buffer.from([0, 15, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 10, ...Array(10).fill(0)]);
    const err = expectCode(() => decodeRequest(frame), "TRUNCATED");
    assert.match(err.message, /count 10 \(of >= 2 bytes each\)/);
  });

  it("rejects a negative array count other than the null marker", () => {
    expectCode(() => decodeRequest(metadataV1([0xff, 0xff, 0xff, 0xfe])), "INVALID_LENGTH");
  });

  it("rejects a string longer than the frame and a negative string length", () => {
    expectCode(() => decodeRequest(metadataV1([0, 0, 0, 1, 0x7f, 0xff, 0x61])), "TRUNCATED");
    expectCode(() => decodeRequest(metadataV1([0, 0, 0, 1, 0xff, 0xfe])), "INVALID_LENGTH");
  });

  it("rejects null where the version does not allow it", () => {
    // Metadata v1 topic name is not nullable
    expectCode(() => decodeRequest(metadataV1([0, 0, 0, 1, 0xff, 0xff])), "INVALID_LENGTH");
  });

  it("rejects records whose length exceeds the frame (Produce v3)", () => {
    const ok = encodeRequest(
      { apiKey: 0, apiVersion: 3, correlationId: 4, clientId: null },
      {
        acks: 1,
        timeoutMs: 5,
        topicData: [{ name: "t", partitionData: [{ index: 0, records: Buffer.alloc(8) }] }],
      },
    ).subarray(4);
    const bad = Buffer.from(ok);
    bad.writeInt32BE(0x7fffffff, bad.length - 12);
    const err = expectCode(() => decodeRequest(bad), "TRUNCATED");
    assert.equal(err.header?.apiKey, 0);
  });

  it("rejects an over-long unsigned varint in a flexible request", () => {
    const ok = encodeRequest({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "c" }, {}).subarray(4);
    const bad = Buffer.concat([ok.subarray(0, 11), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    expectCode(() => decodeRequest(bad), "INVALID_VARINT");
  });

  it("rejects a truncated header", () => {
    expectCode(() => decodeRequest(Buffer.from([0, 3, 0])), "TRUNCATED");
    expectCode(() => decodeRequest(Buffer.alloc(0)), "TRUNCATED");
  });

  it("rejects values the encoder cannot write", () => {
    expectCode(
      () => encodeResponse({ apiKey: 12, apiVersion: 0, correlationId: 1 }, { errorCode: 70000 }),
      "INVALID_VALUE",
    );
    expectCode(
      () =>
        encodeRequest(
          { apiKey: 3, apiVersion: 1, correlationId: 1, clientId: null },
          { topics: [{ name: null as unknown as string }] },
        ),
      "INVALID_VALUE",
    );
    expectCode(
      () => encodeRequest({ apiKey: 1, apiVersion: 17, correlationId: 1, clientId: null }, {} as never),
      "UNSUPPORTED_VERSION",
    );
  });
});

describe("tagged fields", () => {
  it("keeps unknown tagged fields so decode → encode is byte-identical", () => {
    const unknownTaggedFields = [
      { tag: 5, data: Buffer.from([1, 2, 3]) },
      { tag: 9, data: Buffer.from([]) },
    ];
    const bytes = encodeRequest(
      { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "c" },
      { clientSoftwareName: "x", clientSoftwareVersion: "1", unknownTaggedFields },
    );
    const req = decodeRequest(bytes.subarray(4));
    assert.equal(req.apiKey, 18);
    if (req.apiKey !== 18) return;
    assert.deepEqual(req.body.unknownTaggedFields, unknownTaggedFields);
    assert.deepEqual(encodeRequest(req.header, req.body), bytes);
  });

  it("writes known tagged fields only when they differ from their default, in tag order", () => {
    const body = {
      errorCode: 0,
      apiKeys: [],
      supportedFeatures: [{ name: "metadata.version", minVersion: 1, maxVersion: 20 }],
      zkMigrationReady: true,
    };
    const bytes = encodeResponse({ apiKey: 18, apiVersion: 3, correlationId: 2 }, body);
    const { body: back } = decodeResponse(18, 3, bytes.subarray(4));
    assert.deepEqual(back.supportedFeatures, body.supportedFeatures);
    assert.equal(back.zkMigrationReady, true);
    assert.equal(back.finalizedFeaturesEpoch, -1n);
    const plain = encodeResponse(
      { apiKey: 18, apiVersion: 3, correlationId: 2 },
      { errorCode: 0, apiKeys: [] },
    );
    assert.equal(plain[plain.length - 1], 0, "no tagged fields written when all are default");
  });

  it("rejects tagged fields out of order", () => {
    const bytes = encodeRequest(
      { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "c" },
      { clientSoftwareName: "x", clientSoftwareVersion: "1" },
    ).subarray(4);
    const bad = Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([2, 7, 0, 3, 0])]);
    expectCode(() => decodeRequest(bad), "INVALID_LENGTH");
  });
});
