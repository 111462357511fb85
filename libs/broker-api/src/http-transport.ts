import { BrokerApiError, BrokerApiErrorCode, isBrokerApiErrorCode } from "./errors.ts";

export interface TransportOptions {
  /** e.g. "http://127.0.0.1:8080" — the internal routes live under /internal/v1. */
  baseUrl: string;
  /** The cluster's broker credential (sent as a Bearer token). */
  token: string;
  /** Per attempt; a long poll adds its wait to this. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls on network errors, timeouts, 5xx and 429. Default 3. */
  retries?: number;
  /** First backoff; doubles each attempt, with jitter. Default 100 ms. */
  retryBackoffMs?: number;
}

export interface CallOptions {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Safe to send twice: only these are retried. */
  idempotent: boolean;
  /** Added to the timeout (long polls). */
  extraTimeoutMs?: number;
  signal?: AbortSignal;
}

const statusCodes: Record<number, BrokerApiErrorCode> = {
  400: BrokerApiErrorCode.INVALID_REQUEST,
  401: BrokerApiErrorCode.UNAUTHORIZED,
  403: BrokerApiErrorCode.FORBIDDEN,
  404: BrokerApiErrorCode.NOT_FOUND,
  409: BrokerApiErrorCode.CONFLICT,
  413: BrokerApiErrorCode.INVALID_REQUEST,
  415: BrokerApiErrorCode.INVALID_REQUEST,
  429: BrokerApiErrorCode.RATE_LIMITED,
};

/** One JSON-over-HTTP call with a timeout, typed errors and bounded retries. */
export class HttpTransport {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;

  constructor(options: TransportOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = options.retries ?? 3;
    this.#backoffMs = options.retryBackoffMs ?? 100;
  }

  /** Resolves with the parsed JSON body (undefined for 204), or rejects with a BrokerApiError. */
  async call<T>(options: CallOptions): Promise<T> {
    const attempts = options.idempotent ? this.#retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(options);
      } catch (error) {
        const apiError = error as BrokerApiError;
        if (attempt >= attempts || !apiError.retriable || options.signal?.aborted) throw apiError;
        const delay = this.#backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #once<T>(options: CallOptions): Promise<T> {
    const url = new URL(this.#baseUrl + options.path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs + (options.extraTimeoutMs ?? 0));
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: "application/json",
    };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: options.method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      if (timeout.aborted) {
        throw new BrokerApiError(BrokerApiErrorCode.TIMEOUT, `${options.method} ${options.path} timed out`, {
          cause,
        });
      }
      throw new BrokerApiError(BrokerApiErrorCode.NETWORK, `${options.method} ${options.path} failed`, {
        cause,
      });
    }
    if (response.ok) {
      if (text === "") return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new BrokerApiError(BrokerApiErrorCode.BAD_RESPONSE, "response is not JSON", {
          status: response.status,
          cause,
        });
      }
    }
    throw errorFromResponse(response, text, `${options.method} ${options.path}`);
  }
}

/** Retry-After (RFC 9110 §10.2.3) in ms from now: delay-seconds or an HTTP-date; undefined when absent or bad. */
export function retryAfterMsOf(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorFromResponse(response: Response, text: string, what: string): BrokerApiError {
  const status = response.status;
  let code: BrokerApiErrorCode =
    statusCodes[status] ??
    (status >= 500 ? BrokerApiErrorCode.SERVER_ERROR : BrokerApiErrorCode.BAD_RESPONSE);
  let detail = "";
  let problemCode: string | undefined;
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof problem.code === "string") problemCode = problem.code;
    // 5xx stays SERVER_ERROR (retriable) whatever the body says.
    if (status < 500 && isBrokerApiErrorCode(problem.code)) code = problem.code;
    detail = String(problem.detail ?? problem.title ?? "");
  } catch {
    detail = text.slice(0, 200);
  }
  return new BrokerApiError(code, `${what}: ${status} ${detail}`.trim(), {
    status,
    problemCode,
    retryAfterMs: retryAfterMsOf(response.headers.get("retry-after")),
  });
}
