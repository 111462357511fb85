// One request through a real dispatcher and the codec (encoded as a client sends it, the answer decoded at the
// request's version), for handler tests that should see exactly what goes over the wire.
import assert from "node:assert/strict";
import {
  decodeResponse,
  type EncodableRequestBodies,
  encodeRequest,
  type ResponseBodies,
} from "@cirrus/kafka-protocol";
import type { BrokerServices, HandlerMap, KafkaApiKey } from "../../src/handlers/handler.ts";
import { createDispatcher } from "../../src/server/dispatcher.ts";

export type DispatchCall = <K extends KafkaApiKey>(
  apiKey: K,
  apiVersion: number,
  body: EncodableRequestBodies[K],
) => Promise<ResponseBodies[K]>;

/** A caller of `handlers` on `services`, from one connection at 10.0.0.1 (no SASL: User:ANONYMOUS). */
export function dispatchCall(handlers: HandlerMap, services: BrokerServices): DispatchCall {
  const dispatch = createDispatcher({ handlers, services, log: () => {} });
  const connection = { id: 1, remoteAddress: "10.0.0.1:5000", closed: new AbortController().signal };
  return async (apiKey, apiVersion, body) => {
    const frame = encodeRequest(
      { apiKey, apiVersion, correlationId: 3, clientId: "t" } as never,
      body as never,
    );
    const chunks = await dispatch(frame.subarray(4), connection);
    assert.ok(chunks, "an answer");
    return decodeResponse(apiKey, apiVersion, Buffer.concat(chunks).subarray(4))
      .body as ResponseBodies[typeof apiKey];
  };
}
