// The dispatcher on its own: decode → authorize → handler → encode, and every way a request can fail
// (unknown API, unsupported version, malformed body, unauthenticated, a throwing handler whose API has no
// error response for the request) closes the connection with a counted error instead of crashing or
// answering garbage. Throwing handlers that can be answered: handler-errors.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeResponse, encodeRequest } from "@cirrus/kafka-protocol";
import type { HandlerMap } from "../../src/handlers/handler.ts";
import { advertisedApiVersions, coreHandlers } from "../../src/handlers/registry.ts";
import { createDispatcher } from "../../src/server/dispatcher.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

const services = (handlers: HandlerMap) =>
  standaloneServices({ apiVersions: () => advertisedApiVersions(handlers) });

const connection = { id: 1, remoteAddress: "test", closed: new AbortController().signal };
const frameOf = (encoded: Buffer) => encoded.subarray(4);
const apiVersionsRequest = (version: number, correlationId = 7) =>
  frameOf(
    encodeRequest(
      { apiKey: 18, apiVersion: version, correlationId, clientId: "t" },
      { clientSoftwareName: "t", clientSoftwareVersion: "1" },
    ),
  );

test("answers with the request's correlation id, encoded at its version, and counts it", async () => {
  const s = services(coreHandlers);
  const dispatch = createDispatcher({ handlers: coreHandlers, services: s, log: () => {} });
  const chunks = await dispatch(apiVersionsRequest(3, 42), connection);
  const response = Buffer.concat(chunks!);
  assert.equal(response.readInt32BE(0), response.length - 4, "a complete frame with its size prefix");
  const decoded = decodeResponse(18, 3, response.subarray(4));
  assert.equal(decoded.correlationId, 42);
  assert.deepEqual(
    decoded.body.apiKeys.map((k) => k.apiKey),
    [0, 1, 2, 3, 18, 34, 35, 60, 75],
  );
  assert.match(await s.metrics.scrape(), /cirrus_broker_requests_total\{api="ApiVersions"\} 1/);
});

test("unknown APIs, malformed bodies, refused authorization and unanswerable handler failures reject (closing the connection)", async () => {
  const throwing: HandlerMap = new Map([
    [
      18,
      {
        handle: async () => {
          throw new Error("boom");
        },
        errorResponse: () => null,
      },
    ],
  ]);
  const s = services(coreHandlers);
  const failing = createDispatcher({ handlers: throwing, services: s, log: () => {} });
  await assert.rejects(failing(apiVersionsRequest(3), connection), /boom/);

  const dispatch = createDispatcher({ handlers: coreHandlers, services: s, log: () => {} });
  const joinGroup = Buffer.from(apiVersionsRequest(3));
  joinGroup.writeInt16BE(11, 0); // JoinGroup: no handler in the core map
  await assert.rejects(
    dispatch(joinGroup, connection),
    (e: Error & { code?: string }) => e.code === "UNSUPPORTED_API" || e.code === "MALFORMED_REQUEST",
  );
  await assert.rejects(
    dispatch(apiVersionsRequest(3).subarray(0, 12), connection),
    (e: Error & { code?: string }) => e.code === "MALFORMED_REQUEST",
  );
  await assert.rejects(
    dispatch(Buffer.from([0, 1]), connection),
    (e: Error & { code?: string }) => e.code === "MALFORMED_REQUEST",
  );

  const locked = createDispatcher({
    handlers: coreHandlers,
    services: s,
    log: () => {},
    authorize: () => false,
  });
  await assert.rejects(
    locked(apiVersionsRequest(3), connection),
    (e: Error & { code?: string }) => e.code === "UNAUTHENTICATED",
  );
  assert.match(
    await s.metrics.scrape(),
    /cirrus_broker_request_errors_total\{api="ApiVersions",error="UNAUTHENTICATED"\} 1/,
  );
});

test("ApiVersions at an unknown version is answered at v0 with UNSUPPORTED_VERSION (KIP-511)", async () => {
  const s = services(coreHandlers);
  const dispatch = createDispatcher({ handlers: coreHandlers, services: s, log: () => {} });
  const request = Buffer.from(apiVersionsRequest(3, 9));
  request.writeInt16BE(77, 2);
  const response = Buffer.concat((await dispatch(request, connection))!);
  const decoded = decodeResponse(18, 0, response.subarray(4));
  assert.equal(decoded.correlationId, 9);
  assert.equal(decoded.body.errorCode, 35);
});
