/**
 * Every error the control plane's API answers with: a stable code, its HTTP status and title.
 * Routes throw ApiError; the problem handler (http/problem-handler.ts) turns it, and Fastify's
 * own errors, into RFC 9457 problem+json. test/errors.test.ts checks this list against the docs.
 */
export const ApiErrors = {
  INVALID_REQUEST: { status: 400, title: "The request does not match the schema" },
  INVALID_JSON: { status: 400, title: "The body is not valid JSON" },
  UNAUTHORIZED: { status: 401, title: "A valid bearer token is required" },
  TOKEN_EXPIRED: { status: 401, title: "The token has expired" },
  FORBIDDEN: { status: 403, title: "The token's scope does not allow this" },
  NOT_FOUND: { status: 404, title: "No such resource" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such route" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  CONFLICT: { status: 409, title: "The resource changed or already exists" },
  VERSION_MISMATCH: { status: 409, title: "The resource was changed by someone else: read it again" },
  ALREADY_EXISTS: { status: 409, title: "A resource with that name already exists" },
  DELETION_PROTECTED: { status: 409, title: "Deletion protection is on" },
  INVALID_STATE: { status: 409, title: "The resource's state does not allow this" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: "The Idempotency-Key was used with another request" },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: "A request with this Idempotency-Key is still running" },
  BODY_TOO_LARGE: { status: 413, title: "The body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Only application/json bodies are accepted" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  INTERNAL: { status: 500, title: "Internal error" },
  UNAVAILABLE: { status: 503, title: "Temporarily unavailable" },
  CREDENTIAL_UNREADABLE: {
    status: 503,
    title: "The control plane cannot open its stored credential for this cluster (secrets key)",
  },
  // The broker <-> control plane contract (see @cirrus/broker-api).
  BROKER_FENCED: { status: 409, title: "The broker epoch is fenced: re-register" },
  BROKER_NOT_FOUND: { status: 404, title: "No such broker" },
  TOPIC_ALREADY_EXISTS: { status: 409, title: "The topic already exists" },
  UNKNOWN_TOPIC: { status: 404, title: "No such topic" },
  INVALID_PARTITIONS: { status: 400, title: "Invalid partition count" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ApiErrorCode = keyof typeof ApiErrors;

const RETRIABLE: ReadonlySet<ApiErrorCode> = new Set([
  "RATE_LIMITED",
  "UNAVAILABLE",
  "IDEMPOTENCY_IN_PROGRESS",
]);

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  /** When the same request may succeed (whole seconds): sent as the Retry-After header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ApiErrorCode,
    detail?: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(
      detail ?? ApiErrors[code].title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = ApiErrors[code].status;
    this.retriable = RETRIABLE.has(code);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
