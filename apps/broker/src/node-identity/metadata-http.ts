// A bounded HTTP client for a link-local metadata service: one request at a time, a short timeout (the service
// answers in milliseconds or not at all), a few retries for connection errors and 5xx, and 404 as "absent"
// (how both clouds say "no notice"). Every failure is a NODE_IDENTITY_UNAVAILABLE BrokerError naming the path.
import { BrokerError, BrokerErrorCode } from "../errors.ts";

export interface MetadataRequest {
  readonly method?: "GET" | "PUT";
  readonly path: string;
  readonly headers?: Record<string, string>;
}

export interface MetadataResponse {
  readonly status: number;
  readonly body: string;
}

export interface MetadataHttpOptions {
  /** e.g. http://169.254.169.254 (no trailing slash needed). */
  readonly baseUrl: string;
  readonly timeoutMs?: number;
  readonly attempts?: number;
}

export class MetadataHttp {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;

  constructor(options: MetadataHttpOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#attempts = options.attempts ?? 3;
  }

  /** Sends the request; answers any status below 500 as is, retries connection errors and 5xx. */
  async send(request: MetadataRequest): Promise<MetadataResponse> {
    let last: unknown;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      try {
        const response = await fetch(`${this.#base}${request.path}`, {
          method: request.method ?? "GET",
          headers: request.headers ?? {},
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const body = await response.text();
        if (response.status < 500) return { status: response.status, body };
        last = new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
      } catch (error) {
        last = error;
      }
    }
    throw new BrokerError(
      BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
      `metadata service ${this.#base}${request.path}: no answer after ${this.#attempts} attempts`,
      { cause: last },
    );
  }
}

/** A 2xx body, or undefined for 404; any other status is NODE_IDENTITY_UNAVAILABLE. */
export function bodyOrAbsent(path: string, response: MetadataResponse): string | undefined {
  if (response.status === 404) return undefined;
  if (response.status >= 200 && response.status < 300) return response.body;
  throw new BrokerError(
    BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
    `metadata service ${path}: HTTP ${response.status} ${response.body.slice(0, 200)}`,
  );
}

/** A 2xx body that must be there (identity fields); 404 or an empty body is NODE_IDENTITY_UNAVAILABLE. */
export function requiredBody(path: string, response: MetadataResponse): string {
  const body = bodyOrAbsent(path, response)?.trim();
  if (!body) {
    throw new BrokerError(
      BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
      `metadata service ${path}: ${response.status === 404 ? "not found" : "empty answer"}`,
    );
  }
  return body;
}

/** A time the cloud gave, checked and normalised to ISO-8601. */
export function isoTime(path: string, value: unknown): string {
  const ms = typeof value === "string" ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new BrokerError(
      BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
      `metadata service ${path}: not a time: ${JSON.stringify(value)}`,
    );
  }
  return new Date(ms).toISOString();
}
