import { type ErrorCode, StreamStorageError } from "@cirrus/s3stream";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearerChallenge } from "../auth/bearer-challenge.ts";
import { ApiError, type ApiErrorCode, ApiErrors } from "../errors.ts";
import { SchemaValidationError } from "./typebox.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** HTTP status of each s3stream error code on the ObjectManager routes. */
const STREAM_STATUS: Record<ErrorCode, number> = {
  STREAM_FENCED: 409,
  STREAM_NOT_FOUND: 404,
  STREAM_NOT_OPEN: 409,
  STREAM_CLOSED: 409,
  OBJECT_NOT_FOUND: 404,
  OBJECT_NOT_PREPARED: 409,
  OFFSET_OUT_OF_RANGE: 416,
  INVALID_ARGUMENT: 400,
  CORRUPT_DATA: 500,
  WAL_INVALID: 500,
  WAL_MISSING: 503,
  BACKPRESSURE_TIMEOUT: 503,
  RECORD_TOO_LARGE: 400,
  WAL_IO_ERROR: 500,
  UPSTREAM_UNAVAILABLE: 503,
};

/** Fastify's own error codes that are the client's fault. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "INVALID_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "INVALID_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "INVALID_JSON",
  FST_ERR_VALIDATION: "INVALID_REQUEST",
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
}

export function problemBody(
  status: number,
  code: string,
  title: string,
  detail: string,
  instance: string,
): ProblemBody {
  return { type: `urn:cirrus:problem:${code}`, title, status, code, detail, instance };
}

/** The problem a thrown error becomes. Unknown errors are 500 INTERNAL without internals in `detail`. */
export function toProblem(error: unknown, instance: string): ProblemBody {
  if (error instanceof ApiError) {
    return problemBody(error.status, error.code, ApiErrors[error.code].title, error.message, instance);
  }
  if (error instanceof StreamStorageError) {
    return problemBody(STREAM_STATUS[error.code] ?? 500, error.code, error.code, error.message, instance);
  }
  if (error instanceof SchemaValidationError) {
    return problemBody(400, "INVALID_REQUEST", ApiErrors.INVALID_REQUEST.title, error.message, instance);
  }
  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped)
    return problemBody(
      ApiErrors[mapped].status,
      mapped,
      ApiErrors[mapped].title,
      String(fastifyError.message),
      instance,
    );
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return problemBody(400, "INVALID_JSON", ApiErrors.INVALID_JSON.title, error.message, instance);
  }
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code: ApiErrorCode =
      status === 404 ? "NOT_FOUND" : status === 429 ? "RATE_LIMITED" : "INVALID_REQUEST";
    return problemBody(status, code, ApiErrors[code].title, String(fastifyError.message), instance);
  }
  return problemBody(500, "INTERNAL", ApiErrors.INTERNAL.title, "see the control plane's log", instance);
}

/** Sends a problem; a 401 also gets its bearer challenge (RFC 6750 §3), whoever refused the request. */
export function sendProblem(reply: FastifyReply, problem: ProblemBody): FastifyReply {
  if (problem.status === 401)
    reply.header("www-authenticate", bearerChallenge(reply.request.headers.authorization));
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** Every error and unknown route becomes problem+json; 5xx are logged with their cause. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    if (error instanceof ApiError && error.retryAfterSeconds !== undefined)
      reply.header("retry-after", String(error.retryAfterSeconds));
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    return sendProblem(
      reply,
      problemBody(
        404,
        "ROUTE_NOT_FOUND",
        ApiErrors.ROUTE_NOT_FOUND.title,
        `${request.method} ${request.url}`,
        request.url,
      ),
    );
  });
}
