import { ProtocolError } from "./errors.ts";
import {
  type RequestHeader,
  type ResponseHeader,
  readHeaderTaggedFields,
  readRequestHeaderFixed,
  readTaggedFieldsOf,
  responseHeaderIsFlexible,
  writeRequestHeader,
} from "./headers.ts";
import type {
  EncodableRequestBodies,
  EncodableResponseBodies,
  RequestBodies,
  ResponseBodies,
} from "./messages/bodies.ts";
import { apiSpec, apiSpecs } from "./messages/registry.ts";
import { compiledMessage, readMessageBody, supportsVersion, versionRange } from "./schema/message-codec.ts";
import { Reader } from "./wire/reader.ts";
import { Writer } from "./wire/writer.ts";

// The entry points: frames in, typed messages out, and back. A "frame" here is one
// request or response WITHOUT its 4-byte size prefix (what FrameDecoder returns); encoded
// output INCLUDES the prefix, ready for the socket.

export type { RequestHeader, ResponseHeader };

/**
 * A decoded request. `apiKey` (the same as `header.apiKey`) discriminates the union, so
 * `switch (req.apiKey)` narrows `req.body`. Byte fields are zero-copy slices of the frame.
 */
export type DecodedRequest = {
  [K in keyof RequestBodies]: { apiKey: K; header: RequestHeader & { apiKey: K }; body: RequestBodies[K] };
}[keyof RequestBodies];

function withHeader(err: unknown, header: RequestHeader): ProtocolError {
  if (err instanceof ProtocolError) {
    return new ProtocolError(err.code, err.message, { cause: err.cause, header });
  }
  return new ProtocolError("INVALID_LENGTH", `malformed request: ${String(err)}`, { cause: err, header });
}

/**
 * Decodes one request frame. Throws ProtocolError for any bad input; when the header was
 * readable the error carries it (`err.header`) so the broker can still answer: for
 * UNKNOWN_API_KEY / UNSUPPORTED_VERSION the body is not read at all.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new Reader(frame);
  let header: RequestHeader;
  try {
    header = readRequestHeaderFixed(r);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError("INVALID_LENGTH", `malformed request header: ${String(err)}`, { cause: err });
  }
  const api = apiSpec(header.apiKey);
  if (api === undefined) {
    throw new ProtocolError("UNKNOWN_API_KEY", `unknown api key ${header.apiKey}`, { header });
  }
  if (!supportsVersion(api.request, header.apiVersion)) {
    throw new ProtocolError(
      "UNSUPPORTED_VERSION",
      `${api.request.name} v${header.apiVersion} is not supported`,
      { header },
    );
  }
  try {
    const compiled = compiledMessage(api.request, header.apiVersion);
    if (compiled.flexible) readHeaderTaggedFields(r, header);
    const body = readMessageBody(compiled, r, "ignore");
    return { apiKey: header.apiKey, header, body } as DecodedRequest;
  } catch (err) {
    throw withHeader(err, header);
  }
}

function frameFromChunks(chunks: Buffer[], length: number): Buffer {
  const out = Buffer.allocUnsafe(4 + length);
  out.writeInt32BE(length, 0);
  let at = 4;
  for (const c of chunks) {
    c.copy(out, at);
    at += c.length;
  }
  return out;
}

function encodeResponseWriter<K extends keyof EncodableResponseBodies>(
  header: ResponseHeader & { apiKey: K },
  body: EncodableResponseBodies[K],
): Writer {
  const api = apiSpec(header.apiKey);
  if (api === undefined) throw new ProtocolError("UNKNOWN_API_KEY", `unknown api key ${header.apiKey}`);
  const compiled = compiledMessage(api.response, header.apiVersion);
  const w = new Writer(512);
  try {
    w.int32(header.correlationId);
    if (responseHeaderIsFlexible(header.apiKey, compiled.flexible)) w.uvarint(0);
    compiled.write(w, body as Record<string, unknown>);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError("INVALID_VALUE", `cannot encode ${api.response.name}: ${String(err)}`, {
      cause: err,
    });
  }
  return w;
}

/** Encodes a response as one Buffer: size prefix, response header (v0/v1 as the API/version needs), body. */
export function encodeResponse<K extends keyof EncodableResponseBodies>(
  header: ResponseHeader & { apiKey: K },
  body: EncodableResponseBodies[K],
): Buffer {
  const w = encodeResponseWriter(header, body);
  const length = w.length;
  return frameFromChunks(w.toChunks(), length);
}

/**
 * The same bytes as `encodeResponse`, as chunks for `socket.cork()/write()` or writev: large
 * byte fields (records) are referenced, not copied, so they must stay unchanged until written.
 */
export function encodeResponseChunks<K extends keyof EncodableResponseBodies>(
  header: ResponseHeader & { apiKey: K },
  body: EncodableResponseBodies[K],
): Buffer[] {
  const w = encodeResponseWriter(header, body);
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(w.length, 0);
  return [size, ...w.toChunks()];
}

/** Encodes a request (for tests and tools): size prefix, header v1/v2, body. */
export function encodeRequest<K extends keyof EncodableRequestBodies>(
  header: RequestHeader & { apiKey: K },
  body: EncodableRequestBodies[K],
): Buffer {
  const api = apiSpec(header.apiKey);
  if (api === undefined) throw new ProtocolError("UNKNOWN_API_KEY", `unknown api key ${header.apiKey}`);
  const compiled = compiledMessage(api.request, header.apiVersion);
  const w = new Writer(512);
  try {
    writeRequestHeader(w, header, compiled.flexible);
    compiled.write(w, body as Record<string, unknown>);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError("INVALID_VALUE", `cannot encode ${api.request.name}: ${String(err)}`, {
      cause: err,
    });
  }
  const length = w.length;
  return frameFromChunks(w.toChunks(), length);
}

/** Decodes a response frame (without size prefix) of a known API and version (for tests and tools). */
export function decodeResponse<K extends keyof ResponseBodies>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: ResponseBodies[K] } {
  const api = apiSpec(apiKey);
  if (api === undefined) throw new ProtocolError("UNKNOWN_API_KEY", `unknown api key ${apiKey}`);
  const compiled = compiledMessage(api.response, apiVersion);
  const r = new Reader(frame);
  try {
    const correlationId = r.int32();
    if (responseHeaderIsFlexible(apiKey, compiled.flexible)) readTaggedFieldsOf(r);
    const body = readMessageBody(compiled, r) as ResponseBodies[K];
    return { correlationId, body };
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError("INVALID_LENGTH", `malformed response: ${String(err)}`, { cause: err });
  }
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Every API this codec decodes, with its version range, ordered by key (the ApiVersions answer). */
export function supportedApiVersions(): ApiVersionRange[] {
  return apiSpecs
    .map((s) => ({ apiKey: s.apiKey, ...versionRange(s.request) }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

/**
 * The protocol's answer to an ApiVersions request at a version this codec does not know
 * (KIP-511): a v0 body with UNSUPPORTED_VERSION and the supported list, so the client can
 * retry at a version both sides speak.
 */
export function encodeUnsupportedApiVersionsResponse(correlationId: number): Buffer {
  return encodeResponse(
    { apiKey: 18, apiVersion: 0, correlationId },
    { errorCode: 35, apiKeys: supportedApiVersions() },
  );
}
