import { Problem } from "@cirrus/broker-api";
import { type TSchema, Type } from "@sinclair/typebox";

export { Problem };

export const IdPath = Type.Object({ id: Type.String({ format: "uuid" }) }, { additionalProperties: false });

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    /** Opaque: the `nextCursor` of the previous page. */
    cursor: Type.Optional(Type.String({ maxLength: 512, pattern: "^[A-Za-z0-9_-]+$" })),
  },
  { additionalProperties: false },
);

/** A page of items; `nextCursor` is null on the last page. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** The id of the shared Problem schema (app.ts adds it once; the document has it in components). */
export const PROBLEM_SCHEMA_ID = "Problem";

/**
 * An error response: application/problem+json, a reference to the one Problem schema (the document
 * stays small). Fastify picks the response schema by content type, so serialization follows it too.
 */
export const problemResponse = (description: string, headers?: Record<string, TSchema>) =>
  Type.Unsafe<typeof Problem.static>({
    description,
    content: { "application/problem+json": { schema: { $ref: `${PROBLEM_SCHEMA_ID}#` } } },
    ...(headers ? { headers } : {}),
  });

/** A 401: problem+json with the bearer challenge (RFC 6750 §3; see auth/bearer-challenge.ts). */
export const unauthorizedResponse = () =>
  problemResponse("Missing or invalid token", {
    "WWW-Authenticate": Type.String({
      description:
        'Bearer realm="cirrus"; with error="invalid_token" when the token sent is unknown, revoked, expired (code TOKEN_EXPIRED) or malformed',
    }),
  });

/** Error responses every authenticated route can give, documented so clients can rely on them. */
export function withProblems<R extends Record<number, TSchema>>(responses: R) {
  return {
    400: problemResponse("Invalid request (schema, JSON, unknown fields)"),
    401: unauthorizedResponse(),
    403: problemResponse("The token's scope is not enough"),
    404: problemResponse("Not found"),
    409: problemResponse("Conflict"),
    413: problemResponse("Body too large"),
    415: problemResponse("Unsupported media type"),
    422: problemResponse("Idempotency-Key reused with another request"),
    429: problemResponse("Rate limited"),
    500: problemResponse("Internal error"),
    ...responses,
  };
}

export const Millis = Type.Integer({ description: "ms since the Unix epoch" });
export const NullableMillis = Type.Union([Millis, Type.Null()]);

/**
 * A live stream's media type: the body is text (Server-Sent Events); `x-event-schema` points at the shared schema
 * of its events (api-schemas/stream-events.ts): each `event:` line with its `data:` parsed is one of them.
 */
export function eventStreamContent(eventSchemaId: string) {
  return {
    "text/event-stream": {
      schema: { type: "string" },
      "x-event-schema": { $ref: `#/components/schemas/${eventSchemaId}` },
    },
  };
}

/** How every live stream (Server-Sent Events) of the API is framed, said once for each stream's description. */
export const SSE_FORMAT =
  "Server-Sent Events (text/event-stream): `event: <name>` and `data: <JSON>` per event; a `: heartbeat` comment line at least every 15 s (EVENT_STREAM_HEARTBEAT_MS); `retry:` 2000 ms. Send the token as `Authorization: Bearer` (EventSource cannot: read it with fetch). A token holds at most EVENT_STREAMS_PER_TOKEN (8) streams at once per replica: one more is answered 429 problem+json. When the token is revoked or expires, the stream ends with a last `error` event whose data is a 401 problem (RFC 9457; code TOKEN_EXPIRED for an expiry): at its expiry exactly, within EVENT_STREAM_AUTH_CHECK_MS (1 s) of a revocation. Each event is documented by the schema `x-event-schema` names.";
