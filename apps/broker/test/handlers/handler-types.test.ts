// Type-level proof that handlers are typed by the codec's message types: each `@ts-expect-error` below is a
// handler or table entry of the wrong shape, and `npx tsc -p tsconfig.json` fails if any of them stops being
// an error. The runtime test only checks that the well-typed table is what handlerMap builds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { heartbeatError, produceError } from "../../src/handlers/error-responses.ts";
import { handleFetch } from "../../src/handlers/fetch.ts";
import { handlerMap, type KafkaApiHandler, type ResponseOf } from "../../src/handlers/handler.ts";
import { handleProduce } from "../../src/handlers/produce.ts";

// A Heartbeat handler must answer a Heartbeat response...
const heartbeatOk: KafkaApiHandler<typeof ApiKey.Heartbeat> = async () => ({ errorCode: ErrorCode.NONE });

// Handlers declare their response type (as every handler in src/handlers does), so literals are checked exactly.
async function heartbeatExtra(): Promise<ResponseOf<typeof ApiKey.Heartbeat>> {
  // @ts-expect-error a field the response does not have (excess property)
  return { errorCode: 0, generation: 1 };
}

// @ts-expect-error a required field missing (errorCode)
const heartbeatMissing: KafkaApiHandler<typeof ApiKey.Heartbeat> = async () => ({ throttleTimeMs: 0 });

// @ts-expect-error a field of the wrong type
const heartbeatWrongType: KafkaApiHandler<typeof ApiKey.Heartbeat> = async () => ({ errorCode: "NONE" });

// @ts-expect-error only Produce (acks=0) may answer nothing
const heartbeatNull: KafkaApiHandler<typeof ApiKey.Heartbeat> = async () => null;

// Produce may answer nothing.
const produceNull: KafkaApiHandler<typeof ApiKey.Produce> = async () => null;

const produceNumberOffset: ResponseOf<typeof ApiKey.Produce> = {
  // @ts-expect-error int64 fields are bigint, not number
  responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0 }] }],
};

const table = handlerMap({
  [ApiKey.Produce]: { handle: handleProduce, errorResponse: produceError },
  [ApiKey.Heartbeat]: { handle: heartbeatOk, errorResponse: heartbeatError },
});

handlerMap({
  // @ts-expect-error the Fetch handler registered under Produce
  [ApiKey.Produce]: { handle: handleFetch, errorResponse: produceError },
});

handlerMap({
  // @ts-expect-error a Heartbeat error response for Produce
  [ApiKey.Produce]: { handle: handleProduce, errorResponse: heartbeatError },
});

test("a well-typed table becomes the dispatcher's map, keyed by API key", () => {
  assert.deepEqual(
    [...table.keys()].sort((a, b) => a - b),
    [ApiKey.Produce, ApiKey.Heartbeat],
  );
  // The rejected declarations above still exist at run time; they only had to fail the typecheck.
  assert.equal(
    [heartbeatExtra, heartbeatMissing, heartbeatWrongType, heartbeatNull, produceNull, produceNumberOffset]
      .length,
    6,
  );
});
