// Every API the broker serves has an error response that the codec can write at every version it speaks, and
// that carries the error code: built from a request with one of everything (one topic, one partition, one
// group...), sent through the codec, answered with UNKNOWN_SERVER_ERROR, encoded, decoded and searched.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  apiName,
  apiSpec,
  decodeRequest,
  decodeResponse,
  ErrorCode,
  encodeRequest,
  encodeResponse,
  supportedApiVersions,
} from "@cirrus/kafka-protocol";
import { groupHandlers } from "../../src/handlers/group-handlers.ts";
import { coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { transactionAdminHandlers } from "../../src/handlers/transaction-admin-handlers.ts";
import { transactionHandlers } from "../../src/handlers/transaction-handlers.ts";

type Fields = NonNullable<ReturnType<typeof apiSpec>>["request"]["fields"];

/** A request body with every field set (numbers 1, so Produce has acks=1; one element per array). */
function sampleOf(fields: Fields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.type === "[]") body[field.name] = [sampleOf(field.fields ?? [])];
    else if (field.type === "{}") body[field.name] = sampleOf(field.fields ?? []);
    else if (field.type.startsWith("[]")) body[field.name] = [sampleValue(field.type.slice(2))];
    else body[field.name] = sampleValue(field.type);
  }
  return body;
}

function sampleValue(type: string): unknown {
  switch (type) {
    case "string":
      return "x";
    case "int64":
      return 1n;
    case "bool":
      return false;
    case "bytes":
    case "records":
      return Buffer.alloc(0);
    case "uuid":
      return "00000000000040008000000000000001";
    default:
      return 1;
  }
}

/** Every errorCode field in a decoded body. */
function errorCodes(value: unknown, found: number[] = []): number[] {
  if (Array.isArray(value)) for (const item of value) errorCodes(item, found);
  else if (value !== null && typeof value === "object" && !Buffer.isBuffer(value)) {
    for (const [key, field] of Object.entries(value)) {
      // errorCode, and Kafka's partitionErrorCode (AddPartitionsToTxn).
      if (/^(errorCode|partitionErrorCode)$/.test(key) && typeof field === "number") found.push(field);
      else errorCodes(field, found);
    }
  }
  return found;
}

test("every served API's error response encodes at every version and carries the error code", () => {
  const handlers = mergeHandlers(coreHandlers, groupHandlers, transactionHandlers, transactionAdminHandlers);
  const ranges = supportedApiVersions().filter((r) => handlers.has(r.apiKey));
  assert.equal(ranges.length, handlers.size, "every served API is one the codec speaks");
  let checked = 0;
  for (const { apiKey, minVersion, maxVersion } of ranges) {
    const spec = apiSpec(apiKey)!;
    const handler = handlers.get(apiKey)!;
    for (let version = minVersion; version <= maxVersion; version++) {
      const what = `${apiName(apiKey)} v${version}`;
      const frame = encodeRequest(
        { apiKey, apiVersion: version, correlationId: 1, clientId: "t" } as never,
        sampleOf(spec.request.fields) as never,
      );
      const request = decodeRequest(frame.subarray(4)).body;
      const answer = handler.errorResponse(request as never, ErrorCode.UNKNOWN_SERVER_ERROR);
      assert.ok(answer, `${what}: an error response`);
      const encoded = encodeResponse(
        { apiKey, apiVersion: version, correlationId: 1 } as never,
        answer as never,
      );
      const decoded = decodeResponse(apiKey as never, version, encoded.subarray(4)).body;
      // Fields a version lacks decode as their default (0): every code present is the error.
      const codes = errorCodes(decoded).filter((code) => code !== ErrorCode.NONE);
      assert.ok(codes.length > 0, `${what}: carries the error code`);
      assert.ok(
        codes.every((code) => code === ErrorCode.UNKNOWN_SERVER_ERROR),
        `${what}: ${JSON.stringify(codes)}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} API versions checked`);
});
