// Live streams that respect their token: at most `perToken` open at once per API token (429 problem+json beyond),
// and a stream ends (a last `event: error` carrying a 401 problem, then close) once its token is revoked. An
// ordinary request is checked once; a stream lasts hours, so it is checked again:
// - at once when this replica revokes the token (ApiTokens.onRevoke);
// - every `checkMs` while the token has a stream open, one database read per token (not per stream or event),
//   which sees revocations made on other replicas;
// - before each event, against the last answer (synchronous, no query): an event never follows a known
//   revocation.
// A token's expiry is known when its stream opens and never changes (a renewal makes a new token): its streams end
// at that moment exactly, by a timer at `expiresAt` on the tokens' clock, and an event is never sent at or after it
// (checked before each event), with a 401 TOKEN_EXPIRED problem rather than UNAUTHORIZED.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiTokens, TokenRefusal } from "../auth/api-tokens.ts";
import { ApiError, ApiErrors } from "../errors.ts";
import { type EventStream, openEventStream } from "./event-stream.ts";
import { type ProblemBody, problemBody } from "./problem-handler.ts";

/** Runs `callback` once the clock reaches `at` (ms since the epoch); returns the cancel. */
export type ScheduleAt = (at: number, callback: () => void) => () => void;

/** setTimeout waits at most 2^31-1 ms (~24.8 days; longer fires at once): a farther time is reached in hops. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** ScheduleAt on real timers, the time read from `now` (the tokens' clock) at each hop. */
export function timerScheduleAt(now: () => number): ScheduleAt {
  return (at, callback) => {
    let timer: NodeJS.Timeout | undefined;
    const hop = () => {
      const left = at - now();
      if (left <= 0) {
        callback();
        return;
      }
      timer = setTimeout(hop, Math.min(left, MAX_TIMEOUT_MS));
      timer.unref();
    };
    hop();
    return () => clearTimeout(timer);
  };
}

export interface TokenStreamGateOptions {
  /** Streams one token may hold open at once on this replica. */
  perToken: number;
  /** How often each open stream's token is read again. */
  checkMs: number;
  /** Ends a token's streams at its expiry. Default: real timers on the tokens' clock. */
  scheduleAt?: ScheduleAt;
}

/** The streams of one token (each with its request's path) and what the last check said. */
interface TokenStreams {
  streams: Map<EventStream, string>;
  /** Set once a check found the token no longer accepted. */
  refused: TokenRefusal | undefined;
  /** When the token expires (null: never), and the cancel of the timer that ends its streams then. */
  expiresAt: number | null;
  cancelExpiry: () => void;
}

export class TokenStreamGate {
  readonly #tokens: ApiTokens;
  readonly #options: TokenStreamGateOptions;
  readonly #scheduleAt: ScheduleAt;
  readonly #byToken = new Map<string, TokenStreams>();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  readonly #unsubscribe: () => void;
  /** Called with a failed check's error (the database); the streams stay and the next check retries. */
  onError: (error: unknown) => void = () => {};

  constructor(tokens: ApiTokens, options: TokenStreamGateOptions) {
    this.#tokens = tokens;
    this.#options = options;
    this.#scheduleAt = options.scheduleAt ?? timerScheduleAt(() => tokens.now());
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
    const principal = request.principal;
    if (!principal) throw new ApiError("UNAUTHORIZED", "an event stream needs an API token");
    const { tokenId, expiresAt } = principal;
    let entry = this.#byToken.get(tokenId);
    if (entry && entry.streams.size >= this.#options.perToken) {
      throw new ApiError(
        "RATE_LIMITED",
        `this token has ${entry.streams.size} event streams open, the most allowed (EVENT_STREAMS_PER_TOKEN): close one first`,
      );
    }
    if (!entry) {
      entry = { streams: new Map(), refused: undefined, expiresAt, cancelExpiry: () => {} };
      this.#byToken.set(tokenId, entry);
      if (expiresAt !== null)
        entry.cancelExpiry = this.#scheduleAt(expiresAt, () => this.#refused(tokenId, "expired"));
    }
    const tokenStreams = entry;
    const instance = request.url;
    const stream = openEventStream(request, reply, {
      ...options,
      check: () => {
        const refused = tokenStreams.refused ?? this.#expiredNow(tokenStreams);
        return refused ? refusedProblem(refused, instance) : undefined;
      },
    });
    tokenStreams.streams.set(stream, instance);
    stream.onClose(() => {
      tokenStreams.streams.delete(stream);
      if (tokenStreams.streams.size === 0 && this.#byToken.get(tokenId) === tokenStreams) {
        this.#byToken.delete(tokenId);
        tokenStreams.cancelExpiry();
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
    for (const entry of this.#byToken.values()) entry.cancelExpiry();
    await this.#checking;
  }

  /** "expired" once the tokens' clock has reached the token's expiry (the timer may not have run yet). */
  #expiredNow(entry: TokenStreams): TokenRefusal | undefined {
    return entry.expiresAt !== null && this.#tokens.now() >= entry.expiresAt ? "expired" : undefined;
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
