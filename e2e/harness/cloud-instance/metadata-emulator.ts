// A metadata-service emulator for one instance, on 127.0.0.1 (an ephemeral port), answering the paths the
// broker's node-identity seam reads, the way each cloud does:
// - aws (IMDSv2 only): PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1..21600) gives a
//   token; every GET without a valid, unexpired X-aws-ec2-metadata-token header is 401. Identity document
//   (JSON) and its base64 RSA-SHA256 signature, made with `signingKey` (the test's stand-in for the region's
//   AWS key; the control plane's verifier is configured with its certificate). An instance profile's role
//   credentials at meta-data/iam/security-credentials/<role> (`instanceRole`: made by the test, e.g. by moto's
//   STS AssumeRole with the instance id as session name, as EC2 does), fetched again once expired.
// - aliyun (hardened mode when `requireToken`): PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds,
//   X-aliyun-ecs-metadata-token on GETs (403 without it in hardened mode, as ECS answers). An attached RAM
//   role's STS credentials at meta-data/ram/security-credentials/<role> (`ramRole`). The identity
//   document's `pkcs7` signature is a PKCS#7 SignedData (detached, SHA-256, signed attributes) made by OpenSSL
//   (`openssl smime -sign`, an implementation independent of the control plane's verifier) with
//   `signingKey` and `signingCertificate`, the test's stand-ins for Alibaba's; served as bare base64.
//   `pkcs7?audience=X` signs the document with `,"audience":"X"` appended, as ECS does.
// Notices are set by the test: `announceSpotInterruption`, `announceRebalanceRecommendation`, `clearNotices`.
// Unknown paths are 404, as on both clouds.
import { execFile } from "node:child_process";
import { createSign, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export type CloudName = "aws" | "aliyun";

export interface MetadataEmulatorOptions {
  readonly provider: CloudName;
  readonly instanceId: string;
  readonly zone: string;
  readonly privateIp: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly lifecycle?: "spot" | "on-demand";
  /** PEM private key that signs the identity document (aws: RSA, SHA-256; aliyun: PKCS#7 with the certificate). */
  readonly signingKey?: string;
  /** aliyun: PEM certificate of `signingKey`, the signer of the PKCS#7 signature. */
  readonly signingCertificate?: string;
  /**
   * aliyun: the RAM role attached to the instance. Its STS credentials are served at
   * /latest/meta-data/ram/security-credentials/<name>, valid `credentialTtlMs` (default 1 hour); a new
   * AccessKeyId/secret/token once the current set has expired (by `now`), as ECS rotates them.
   */
  readonly ramRole?: { readonly name: string; readonly credentialTtlMs?: number };
  /**
   * aws: the instance profile's role. Its credentials (from `credentials(instanceId)`, asked again once they
   * expire) are served at /latest/meta-data/iam/security-credentials/<name>.
   */
  readonly instanceRole?: {
    readonly name: string;
    readonly credentials: (instanceId: string) => Promise<InstanceRoleCredentials>;
  };
  /** aliyun: refuse GETs without a session token (hardened mode). aws always requires one (IMDSv2). */
  readonly requireToken?: boolean;
  readonly now?: () => number;
}

/** An aws instance role's credentials, as STS's AssumeRole gives them. */
export interface InstanceRoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO-8601. */
  readonly expiration: string;
}

const ALIYUN_PKCS7 = "/latest/dynamic/instance-identity/pkcs7";
const AWS_ROLE_CREDENTIALS = "/latest/meta-data/iam/security-credentials/";

const HEADERS = {
  aws: { ttl: "x-aws-ec2-metadata-token-ttl-seconds", token: "x-aws-ec2-metadata-token" },
  aliyun: { ttl: "x-aliyun-ecs-metadata-token-ttl-seconds", token: "x-aliyun-ecs-metadata-token" },
} as const;

export class MetadataEmulator {
  readonly options: MetadataEmulatorOptions;
  /** Every request served: method, path and status (tests check the token dance). */
  readonly requests: { method: string; path: string; status: number }[] = [];
  readonly #server: Server;
  readonly #tokens = new Map<string, number>();
  #spot: { action: string; time: string } | undefined;
  #rebalance: string | undefined;
  #url = "";
  #pkcs7: string | undefined;
  #roleSecret:
    | { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string }
    | undefined;
  readonly #launchedAt: string;
  #awsRoleSecret: InstanceRoleCredentials | undefined;
  /** The RAM role credentials issued so far (the last one is current). */
  readonly issuedRoleCredentials: { AccessKeyId: string; SecurityToken: string; Expiration: string }[] = [];

  private constructor(options: MetadataEmulatorOptions) {
    this.options = options;
    this.#launchedAt = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    this.#server = createServer((request, response) => this.#serve(request, response));
  }

  static async start(options: MetadataEmulatorOptions): Promise<MetadataEmulator> {
    const emulator = new MetadataEmulator(options);
    if (options.provider === "aliyun" && options.signingKey && options.signingCertificate)
      emulator.#pkcs7 = await pkcs7Of(
        emulator.identityDocument(),
        options.signingKey,
        options.signingCertificate,
      );
    await new Promise<void>((resolve) => emulator.#server.listen(0, "127.0.0.1", resolve));
    emulator.#url = `http://127.0.0.1:${(emulator.#server.address() as AddressInfo).port}`;
    return emulator;
  }

  /** Base URL, for the broker's CIRRUS_METADATA_URL. */
  get url(): string {
    return this.#url;
  }

  /** The cloud schedules a spot reclaim at `time` (aws: action terminate|stop|hibernate). */
  announceSpotInterruption(time: Date, action = "terminate"): void {
    this.#spot = { action, time: time.toISOString().replace(/\.\d{3}Z$/, "Z") };
  }

  /** aws only: an EC2 rebalance recommendation. */
  announceRebalanceRecommendation(time: Date): void {
    this.#rebalance = time.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  clearNotices(): void {
    this.#spot = undefined;
    this.#rebalance = undefined;
  }

  /** Forgets every session token (as a stop/start of the instance does): the next GET gets 401. */
  revokeTokens(): void {
    this.#tokens.clear();
  }

  /** The identity document exactly as served. */
  identityDocument(): string {
    const o = this.options;
    // us-east-1a → us-east-1; cn-hangzhou-h → cn-hangzhou.
    const region = o.region ?? o.zone.replace(o.provider === "aws" ? /[a-z]$/ : /-[a-z0-9]+$/, "");
    if (o.provider === "aws") {
      return JSON.stringify(
        {
          accountId: o.accountId ?? "123456789012",
          architecture: "x86_64",
          availabilityZone: o.zone,
          imageId: "ami-0123456789abcdef0",
          instanceId: o.instanceId,
          instanceType: "m6i.large",
          pendingTime: this.#launchedAt,
          privateIp: o.privateIp,
          region,
          version: "2017-09-30",
        },
        null,
        2,
      );
    }
    return JSON.stringify({
      "owner-account-id": o.accountId ?? "1234567890123456",
      "instance-id": o.instanceId,
      "region-id": region,
      "zone-id": o.zone,
      "private-ipv4": o.privateIp,
      "instance-type": "ecs.g7.large",
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  #serve(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://metadata");
    const path = url.pathname;
    const method = request.method ?? "GET";
    void this.#answer(method, path, url.searchParams, request.headers).then(
      ([status, body]) => {
        this.requests.push({ method, path, status });
        response.writeHead(status, { "content-type": "text/plain" }).end(body);
      },
      () => {
        this.requests.push({ method, path, status: 500 });
        response.writeHead(500).end();
      },
    );
  }

  async #answer(
    method: string,
    path: string,
    query: URLSearchParams,
    requestHeaders: IncomingHttpHeaders,
  ): Promise<[number, string]> {
    const headers = HEADERS[this.options.provider];
    if (path === "/latest/api/token") {
      if (method !== "PUT") return [405, ""];
      const ttl = Number(requestHeaders[headers.ttl]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return [400, ""];
      const token = randomBytes(24).toString("base64url");
      this.#tokens.set(token, this.#now() + ttl * 1000);
      return [200, token];
    }
    if (method !== "GET") return [405, ""];
    const token = requestHeaders[headers.token];
    const valid = typeof token === "string" && (this.#tokens.get(token) ?? 0) > this.#now();
    // aws (IMDSv2) and aliyun's hardened mode refuse a GET without a valid token; aliyun's normal mode
    // answers without one, but still refuses an invalid one.
    if (!valid && (this.options.provider === "aws" || this.options.requireToken || token !== undefined)) {
      return [this.options.provider === "aws" ? 401 : 403, ""];
    }
    const audience = query.get("audience");
    if (this.options.provider === "aliyun" && path === ALIYUN_PKCS7 && audience !== null) {
      return this.#pkcs7WithAudience(audience);
    }
    const role = this.options.provider === "aws" ? this.options.instanceRole : undefined;
    if (role && path === AWS_ROLE_CREDENTIALS) return [200, role.name];
    if (role && path === `${AWS_ROLE_CREDENTIALS}${role.name}`)
      return [200, await this.#instanceRoleCredentials(role)];
    const body = this.#lookup(path);
    return body === undefined ? [404, "Not Found"] : [200, body];
  }

  /** The instance role's credentials as IMDS serves them (Code, Type, AccessKeyId, SecretAccessKey, Token, Expiration). */
  async #instanceRoleCredentials(
    role: NonNullable<MetadataEmulatorOptions["instanceRole"]>,
  ): Promise<string> {
    if (!this.#awsRoleSecret || Date.parse(this.#awsRoleSecret.expiration) <= this.#now()) {
      this.#awsRoleSecret = await role.credentials(this.options.instanceId);
    }
    const c = this.#awsRoleSecret;
    return JSON.stringify({
      Code: "Success",
      LastUpdated: new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      Type: "AWS-HMAC",
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      Token: c.sessionToken,
      Expiration: c.expiration,
    });
  }

  #lookup(path: string): string | undefined {
    const o = this.options;
    if (o.provider === "aws") {
      switch (path) {
        case "/latest/meta-data/instance-id":
          return o.instanceId;
        case "/latest/meta-data/placement/availability-zone":
          return o.zone;
        case "/latest/meta-data/local-ipv4":
          return o.privateIp;
        case "/latest/meta-data/instance-life-cycle":
          return o.lifecycle ?? "on-demand";
        case "/latest/meta-data/spot/instance-action":
          return this.#spot ? JSON.stringify(this.#spot) : undefined;
        case "/latest/meta-data/events/recommendations/rebalance":
          return this.#rebalance ? JSON.stringify({ noticeTime: this.#rebalance }) : undefined;
        case "/latest/dynamic/instance-identity/document":
          return this.identityDocument();
        case "/latest/dynamic/instance-identity/signature":
          return this.#signature();
        default:
          return undefined;
      }
    }
    switch (path) {
      case "/latest/meta-data/instance-id":
        return o.instanceId;
      case "/latest/meta-data/zone-id":
        return o.zone;
      case "/latest/meta-data/private-ipv4":
        return o.privateIp;
      case "/latest/meta-data/instance/spot/termination-time":
        return this.#spot?.time;
      case "/latest/dynamic/instance-identity/document":
        return this.identityDocument();
      case ALIYUN_PKCS7:
        return this.#pkcs7;
      case "/latest/meta-data/ram/security-credentials/":
        return o.ramRole?.name;
      default:
        return o.ramRole && path === `/latest/meta-data/ram/security-credentials/${o.ramRole.name}`
          ? this.#roleCredentials(o.ramRole.credentialTtlMs ?? 3_600_000)
          : undefined;
    }
  }

  /**
   * The role's current STS credentials as ECS serves them (Code, AccessKeyId, AccessKeySecret, SecurityToken,
   * Expiration, LastUpdated); a fresh set once the current one is expired.
   */
  #roleCredentials(ttlMs: number): string {
    const now = this.#now();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    let current = this.#roleSecret;
    if (!current || Date.parse(current.Expiration) <= now) {
      const n = this.issuedRoleCredentials.length + 1;
      current = {
        AccessKeyId: `STS.emulated${n}`,
        AccessKeySecret: randomBytes(18).toString("base64url"),
        SecurityToken: `emulated-token-${n}-${randomBytes(12).toString("base64url")}`,
        Expiration: iso(now + ttlMs),
      };
      this.#roleSecret = current;
      const { AccessKeyId, SecurityToken, Expiration } = current;
      this.issuedRoleCredentials.push({ AccessKeyId, SecurityToken, Expiration });
    }
    return JSON.stringify({ Code: "Success", ...current, LastUpdated: iso(now) });
  }

  /**
   * aliyun `pkcs7?audience=X`: the signature of the document with `,"audience":"X"` before its closing brace,
   * the form Alibaba's verifier is told to rebuild ("Use instance identities"). An audience longer than 256
   * characters or with `"`, `\`, `%` or `&` is refused (400).
   */
  async #pkcs7WithAudience(audience: string): Promise<[number, string]> {
    const o = this.options;
    if (!o.signingKey || !o.signingCertificate) return [404, "Not Found"];
    if (audience.length === 0 || audience.length > 256 || /["\\%&]/.test(audience)) return [400, ""];
    const signed = `${this.identityDocument().slice(0, -1)},"audience":"${audience}"}`;
    return [200, await pkcs7Of(signed, o.signingKey, o.signingCertificate)];
  }

  #signature(): string | undefined {
    if (!this.options.signingKey) return undefined;
    const signer = createSign("sha256");
    signer.update(this.identityDocument());
    // AWS wraps the base64 at 64 columns; readers must strip whitespace.
    return (
      signer
        .sign(this.options.signingKey)
        .toString("base64")
        .match(/.{1,64}/g) ?? []
    ).join("\n");
  }
}

/** OpenSSL's PKCS#7 signature of `document` (detached, SHA-256, signed attributes), as bare base64. */
async function pkcs7Of(document: string, key: string, certificate: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cirrus-pkcs7-"));
  try {
    await Promise.all([
      writeFile(join(dir, "document"), document),
      writeFile(join(dir, "key.pem"), key, { mode: 0o600 }),
      writeFile(join(dir, "cert.pem"), certificate),
    ]);
    const args = ["smime", "-sign", "-binary", "-md", "sha256", "-in", join(dir, "document")];
    args.push("-signer", join(dir, "cert.pem"), "-inkey", join(dir, "key.pem"), "-outform", "PEM");
    const { stdout } = await promisify(execFile)("openssl", args);
    return stdout.replace(/-----(BEGIN|END) PKCS7-----|\s+/g, "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
