// Live streams that respect their token: at most `perToken` open at once per API token (429 problem+json beyond),
// and a stream ends (a last `event: error` carrying a 401 problem, then close) once its token is revoked. An
// ordinary request is checked once; a stream lasts hours, so it is checked again:
// - at once when this replica revokes the token (ApiTokens.onRevoke);
// - every `checkMs` while the token has a stream open, one database read per token (not per stream or event),
//   which sees revocations made on other replicas;
// - before each event, against the last answer (synchronous, no query): an event never follows a known
//   revocation.
// A token that expires while its stream is open is found by the same periodic read (ApiTokens.status judges the
// expiry): its streams end with a 401 TOKEN_EXPIRED problem rather than UNAUTHORIZED.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiTokens, TokenRefusal } from "../auth/api-tokens.ts";
import { ApiError, ApiErrors } from "../errors.ts";
import { type EventStream, openEventStream } from "./event-stream.ts";
import { type ProblemBody, problemBody } from "./problem-handler.ts";

export interface TokenStreamGateOptions {
  /** Streams one token may hold open at once on this replica. */
  perToken: number;
  /** How often each open stream's token is read again. */
  checkMs: number;
}

/** The streams of one token (each with its request's path) and what the last check said. */
interface TokenStreams {
  streams: Map<EventStream, string>;
  /** Set once a check found the token no longer accepted. */
  refused: TokenRefusal | undefined;
}

export class TokenStreamGate {
  readonly #tokens: ApiTokens;
  readonly #options: TokenStreamGateOptions;
  readonly #byToken = new Map<string, TokenStreams>();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  readonly #unsubscribe: () => void;
  /** Called with a failed check's error (the database); the streams stay and the next check retries. */
  onError: (error: unknown) => void = () => {};

  constructor(tokens: ApiTokens, options: TokenStreamGateOptions) {
    this.#tokens = tokens;
    this.#options = options;
    this.#unsubscribe = tokens.onRevoke((tokenId) => this.#refused(tokenId, "revoked"));
  }

  /** Streams open now for token `tokenId`. */
  openCount(tokenId: string): number {
    return this.#byToken.get(tokenId)?.streams.size ?? 0;
  }

  /**
   * Answers `request` (authenticated: request.principal is set) with an event stream, or throws ApiError
   * RATE_LIMITED (429) before answering when its token already has `perToken` streams open. The stream counts
   * against its token until it closes, whoever closes it.
   */
  open(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { heartbeatMs: number; registry: Set<EventStream> },
  ): EventStream {
    const tokenId = request.principal?.tokenId;
    if (tokenId === undefined) throw new ApiError("UNAUTHORIZED", "an event stream needs an API token");
    let entry = this.#byToken.get(tokenId);
    if (entry && entry.streams.size >= this.#options.perToken) {
      throw new ApiError(
        "RATE_LIMITED",
        `this token has ${entry.streams.size} event streams open, the most allowed (EVENT_STREAMS_PER_TOKEN): close one first`,
      );
    }
    if (!entry) {
      entry = { streams: new Map(), refused: undefined };
      this.#byToken.set(tokenId, entry);
    }
    const tokenStreams = entry;
    const instance = request.url;
    const stream = openEventStream(request, reply, {
      ...options,
      check: () => (tokenStreams.refused ? refusedProblem(tokenStreams.refused, instance) : undefined),
    });
    tokenStreams.streams.set(stream, instance);
    stream.onClose(() => {
      tokenStreams.streams.delete(stream);
      if (tokenStreams.streams.size === 0 && this.#byToken.get(tokenId) === tokenStreams) {
        this.#byToken.delete(tokenId);
      }
      if (this.#byToken.size === 0) this.#stopTimer();
    });
    this.#timer ??= setInterval(() => void this.#check(), this.#options.checkMs);
    return stream;
  }

  /** Stops checking (the streams themselves are closed by the server's preClose). */
  async close(): Promise<void> {
    this.#unsubscribe();
    this.#stopTimer();
    await this.#checking;
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #refused(tokenId: string, reason: TokenRefusal): void {
    const entry = this.#byToken.get(tokenId);
    if (!entry) return;
    entry.refused = reason;
    for (const [stream, instance] of [...entry.streams]) stream.fail(refusedProblem(reason, instance));
  }

  #check(): Promise<void> {
    // One check at a time: a slow database must not pile reads up.
    this.#checking ??= this.#readTokens()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }

  async #readTokens(): Promise<void> {
    for (const tokenId of [...this.#byToken.keys()]) {
      const status = await this.#tokens.status(tokenId);
      if (status !== "active") this.#refused(tokenId, status);
    }
  }
}

function refusedProblem(reason: TokenRefusal, instance: string): ProblemBody {
  if (reason === "expired") {
    return problemBody(
      401,
      "TOKEN_EXPIRED",
      ApiErrors.TOKEN_EXPIRED.title,
      "the token has expired: this stream ends; sign in again with a valid token",
      instance,
    );
  }
  return problemBody(
    401,
    "UNAUTHORIZED",
    ApiErrors.UNAUTHORIZED.title,
    "the token was revoked: this stream ends; sign in again with a valid token",
    instance,
  );
}
