// A records field given as a list of chunks (RecordsChunks): the encoder writes the sum as the length and
// the chunks back to back, referencing the large ones instead of copying them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ApiKey,
  decodeRequest,
  decodeResponse,
  type EncodableResponseBodies,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  FetchResponseSpec,
  isProtocolError,
} from "../../src/index.ts";
import { isFlexible, versionRange } from "../../src/schema/message-codec.ts";

type FetchResponseBody = EncodableResponseBodies[typeof ApiKey.Fetch];

function filled(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

// Two chunks above the reference threshold (4 KiB) and one below it, in the middle.
const large1 = filled(64 * 1024, 1);
const small = filled(100, 2);
const large2 = filled(5000, 3);
const chunks = [large1, small, large2];
const joined = Buffer.concat(chunks);

function fetchBody(version: number, records: Buffer | readonly Buffer[] | null): FetchResponseBody {
  const byId = version >= 13;
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 7,
    responses: [
      {
        topic: byId ? "" : "t",
        topicId: byId ? "0123456789abcdef0123456789abcdef" : undefined,
        partitions: [
          { partitionIndex: 0, errorCode: 0, highWatermark: 10n, records },
          { partitionIndex: 1, errorCode: 0, highWatermark: 3n, records: [filled(10, 9)] },
        ],
      },
    ],
  };
}

const { minVersion, maxVersion } = versionRange(FetchResponseSpec);
const versions = Array.from({ length: maxVersion - minVersion + 1 }, (_, i) => minVersion + i);

describe("records given as chunks", () => {
  test("every Fetch version (flexible or not): decode(encode(chunks)) is the concatenation", () => {
    assert.ok(versions.some((v) => isFlexible(FetchResponseSpec, v)));
    assert.ok(versions.some((v) => !isFlexible(FetchResponseSpec, v)));
    for (const version of versions) {
      const header = { apiKey: ApiKey.Fetch, apiVersion: version, correlationId: 42 };
      const single = encodeResponse(header, fetchBody(version, chunks));
      const list = encodeResponseChunks(header, fetchBody(version, chunks));
      assert.deepEqual(Buffer.concat(list), single, `v${version}: chunks and single Buffer agree`);
      const decoded = decodeResponse(ApiKey.Fetch, version, single.subarray(4));
      const [p0, p1] = decoded.body.responses[0]!.partitions;
      assert.deepEqual(p0!.records, joined, `v${version}`);
      assert.deepEqual(p1!.records, filled(10, 9), `v${version}`);
      // the same bytes as if the caller had concatenated the chunks first
      assert.deepEqual(single, encodeResponse(header, fetchBody(version, joined)), `v${version}`);
    }
  });

  test("large chunks are referenced by the output (same memory), nothing copied", () => {
    for (const version of [4, 11, 12, 16]) {
      const out = encodeResponseChunks(
        { apiKey: ApiKey.Fetch, apiVersion: version, correlationId: 1 },
        fetchBody(version, chunks),
      );
      for (const input of [large1, large2]) {
        const ref = out.find((c) => c.buffer === input.buffer && c.byteOffset === input.byteOffset);
        assert.ok(ref, `v${version}: a ${input.length}-byte chunk is in the output by reference`);
        assert.equal(ref.length, input.length);
      }
      // what is copied is small: the header, the prefixes and the 100-byte chunk
      const copied = out.filter((c) => c.buffer !== large1.buffer && c.buffer !== large2.buffer);
      assert.ok(copied.reduce((n, c) => n + c.length, 0) < 1024, `v${version}`);
    }
  });

  test("an empty list is an empty (not null) records field; null stays null", () => {
    for (const version of [3, 12, 13]) {
      const header = { apiKey: ApiKey.Fetch, apiVersion: version, correlationId: 1 };
      const empty = decodeResponse(
        ApiKey.Fetch,
        version,
        encodeResponse(header, fetchBody(version, [])).subarray(4),
      );
      assert.deepEqual(empty.body.responses[0]!.partitions[0]!.records, Buffer.alloc(0));
      const none = decodeResponse(
        ApiKey.Fetch,
        version,
        encodeResponse(header, fetchBody(version, null)).subarray(4),
      );
      assert.equal(none.body.responses[0]!.partitions[0]!.records, null);
    }
  });

  test("Produce requests take chunks too (the same field type)", () => {
    for (const version of [3, 9]) {
      const bytes = encodeRequest(
        { apiKey: ApiKey.Produce, apiVersion: version, correlationId: 5, clientId: "c" },
        {
          acks: -1,
          timeoutMs: 1000,
          topicData: [{ name: "t", partitionData: [{ index: 0, records: chunks }] }],
        },
      );
      const decoded = decodeRequest(bytes.subarray(4));
      assert.equal(decoded.apiKey, ApiKey.Produce);
      if (decoded.apiKey !== ApiKey.Produce) return;
      assert.deepEqual(decoded.body.topicData[0]!.partitionData[0]!.records, joined);
    }
  });

  test("a chunk that is not a Buffer is an INVALID_VALUE ProtocolError", () => {
    const bad = fetchBody(12, [large1, "not bytes" as unknown as Buffer]);
    assert.throws(
      () => encodeResponseChunks({ apiKey: ApiKey.Fetch, apiVersion: 12, correlationId: 1 }, bad),
      (err: unknown) => isProtocolError(err) && err.code === "INVALID_VALUE",
    );
  });
});
