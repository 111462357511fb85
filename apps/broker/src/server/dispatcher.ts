// Turns one request frame into one response: decode (codec), find the handler by API key, run it, encode.
// Malformed frames, unknown API keys and unsupported versions close the connection (what Kafka does),
// except ApiVersions at an unknown version, answered per KIP-511 so the client can downgrade. A handler
// that throws gets its API's error response sent in its place (see KafkaApiHandler in handlers/handler.ts);
// the connection closes only where none can be built.
import {
  ApiKey,
  apiName,
  decodeRequest,
  encodeResponseChunks,
  encodeUnsupportedApiVersionsResponse,
  errorName,
  isProtocolError,
} from "@cirrus/kafka-protocol";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { AnyApiHandler, BrokerServices, HandlerMap, RequestContext } from "../handlers/handler.ts";
import { kafkaErrorCodeOf } from "../handlers/kafka-error-codes.ts";
import type { ConnectionInfo, RequestHandler } from "./connection.ts";
import type { ResponseChunks } from "./ordered-responses.ts";

export interface DispatcherOptions {
  readonly handlers: HandlerMap;
  readonly services: BrokerServices;
  readonly log: (message: string, error?: unknown) => void;
  /** May this connection use this API now? (SASL: only ApiVersions and the SASL APIs until authenticated.) */
  readonly authorize?: (services: BrokerServices, connection: ConnectionInfo, apiKey: number) => boolean;
}

export function createDispatcher(options: DispatcherOptions): RequestHandler {
  const { handlers, services, log } = options;
  const metrics = services.metrics;
  return async (frame: Buffer, connection: ConnectionInfo): Promise<ResponseChunks | null> => {
    const receivedAt = performance.now();
    let decoded: ReturnType<typeof decodeRequest>;
    try {
      decoded = decodeRequest(frame);
    } catch (error) {
      const header = isProtocolError(error) ? error.header : undefined;
      if (
        header?.apiKey === ApiKey.ApiVersions &&
        isProtocolError(error) &&
        error.code === "UNSUPPORTED_VERSION"
      ) {
        return [encodeUnsupportedApiVersionsResponse(header.correlationId)];
      }
      const api = header ? apiName(header.apiKey) : "Unparsable";
      metrics.requestErrors.inc({ api, error: isProtocolError(error) ? error.code : "DECODE" });
      throw new BrokerError(
        BrokerErrorCode.MALFORMED_REQUEST,
        `malformed ${api} request from ${connection.remoteAddress}`,
        {
          cause: error,
        },
      );
    }
    const { header, body } = decoded;
    const api = apiName(header.apiKey);
    const handler: AnyApiHandler | undefined = handlers.get(header.apiKey);
    if (!handler) {
      metrics.requestErrors.inc({ api, error: "UNSUPPORTED_API" });
      throw new BrokerError(BrokerErrorCode.UNSUPPORTED_API, `no handler for ${api}`);
    }
    if (options.authorize && !options.authorize(services, connection, header.apiKey)) {
      metrics.requestErrors.inc({ api, error: "UNAUTHENTICATED" });
      throw new BrokerError(BrokerErrorCode.UNAUTHENTICATED, `${api} before SASL authentication`);
    }
    const context: RequestContext = {
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      connection,
      services,
      receivedAt,
    };
    // The map pairs each key with the handler of that API (handlerMap's table type): `body`, decoded for
    // this key, is that handler's request type. The one place the pairing is trusted rather than checked.
    const request = body as never;
    let response: object | null;
    try {
      response = await handler.handle(request, context);
    } catch (error) {
      metrics.requestErrors.inc({ api, error: error instanceof BrokerError ? error.code : "HANDLER" });
      response = errorResponseOf(handler, request, error);
      if (response === null) {
        log(`${api} v${header.apiVersion} failed; closing connection ${connection.remoteAddress}`, error);
        throw error;
      }
      log(`${api} v${header.apiVersion} failed; answered ${errorName(kafkaErrorCodeOf(error))}`, error);
    }
    const meters = metrics.apiMeters(api);
    meters.requests.value++;
    meters.seconds.observe((performance.now() - receivedAt) / 1000);
    if (response === null) return null;
    return encodeResponseChunks(
      { apiKey: header.apiKey as 0, apiVersion: header.apiVersion, correlationId: header.correlationId },
      response as never,
    );
  };
}

/** The API's error response to a request whose handler threw, or null when none can be built. */
function errorResponseOf(handler: AnyApiHandler, request: never, error: unknown): object | null {
  try {
    return handler.errorResponse(request, kafkaErrorCodeOf(error));
  } catch {
    return null; // a request the error response cannot be built from: close the connection
  }
}
