// Session-token access to a metadata service, as AWS IMDSv2 and Alibaba Cloud's hardened mode both work:
// PUT /latest/api/token with a TTL header gives a token; every GET carries it in a header. The token is
// reused until a minute before its TTL ends, and fetched again once when a GET answers 401 (expired or
// revoked, e.g. after the instance was stopped and started).
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { bodyOrAbsent, type MetadataHttp, type MetadataResponse, requiredBody } from "./metadata-http.ts";

export interface MetadataSessionOptions {
  readonly http: MetadataHttp;
  /** aws: X-aws-ec2-metadata-token-ttl-seconds; aliyun: X-aliyun-ecs-metadata-token-ttl-seconds. */
  readonly ttlHeader: string;
  /** aws: X-aws-ec2-metadata-token; aliyun: X-aliyun-ecs-metadata-token. */
  readonly tokenHeader: string;
  /** 1..21600 on both clouds. */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

export class MetadataSession {
  readonly #options: MetadataSessionOptions;
  readonly #ttlSeconds: number;
  #token: { value: string; renewAt: number } | undefined;
  /** The token request in flight: concurrent reads share it instead of each asking for a token. */
  #fetching: Promise<string> | undefined;

  constructor(options: MetadataSessionOptions) {
    this.#options = options;
    this.#ttlSeconds = options.ttlSeconds ?? 21_600;
  }

  /** The body at `path`, or undefined when the service answers 404. */
  async getOptional(path: string): Promise<string | undefined> {
    return bodyOrAbsent(path, await this.#get(path));
  }

  /** The non-empty body at `path`; NODE_IDENTITY_UNAVAILABLE otherwise. */
  async getRequired(path: string): Promise<string> {
    return requiredBody(path, await this.#get(path));
  }

  async #get(path: string): Promise<MetadataResponse> {
    const token = await this.#currentToken();
    let response = await this.#options.http.send({ path, headers: { [this.#options.tokenHeader]: token } });
    if (response.status === 401) {
      // Several reads may see the same token refused: only the first drops it.
      if (this.#token?.value === token) this.#token = undefined;
      response = await this.#options.http.send({
        path,
        headers: { [this.#options.tokenHeader]: await this.#currentToken() },
      });
    }
    return response;
  }

  async #currentToken(): Promise<string> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#token && now < this.#token.renewAt) return this.#token.value;
    this.#fetching ??= this.#fetchToken(now).finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetchToken(now: number): Promise<string> {
    const path = "/latest/api/token";
    const response = await this.#options.http.send({
      method: "PUT",
      path,
      headers: { [this.#options.ttlHeader]: String(this.#ttlSeconds) },
    });
    if (response.status !== 200 || response.body.trim() === "") {
      throw new BrokerError(
        BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
        `metadata service ${path}: no session token (HTTP ${response.status} ${response.body.slice(0, 200)})`,
      );
    }
    const renewIn = Math.max(1, this.#ttlSeconds - 60) * 1000;
    this.#token = { value: response.body.trim(), renewAt: now + renewIn };
    return this.#token.value;
  }
}
