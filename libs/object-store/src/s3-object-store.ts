// s3://bucket/prefix: the S3 API through @aws-sdk/client-s3 (AWS S3, Alibaba OSS's S3-compatible endpoint,
// MinIO, s3rver). The SDK's standard retry strategy retries 5xx, SlowDown/throttling and network timeouts with
// exponential backoff and jitter; a middleware counts every attempt by kind so costs can be reported.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";
import { splitIntoParts } from "./multipart.ts";
import {
  type ByteRange,
  emptyRequestCounts,
  type ObjectInfo,
  type ObjectStore,
  type RequestCounts,
  type RequestKind,
} from "./object-store.ts";
import { mapS3Error } from "./s3-errors.ts";
import { assertValidKey, assertValidPrefix, bodyChunks, bodyLength } from "./validation.ts";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Asked before each request (the SDK's AwsCredentialIdentityProvider shape): temporary credentials that rotate.
 * The SDK keeps an answer until 5 minutes before its `expiration`, and forever when it has none.
 */
export type S3CredentialProvider = () => Promise<S3Credentials & { expiration?: Date }>;

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending without '/': a '/' is added). */
  prefix?: string;
  /** e.g. http://127.0.0.1:9000 for MinIO, https://oss-cn-hangzhou.aliyuncs.com for OSS. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing (MinIO, s3rver); virtual-hosted style otherwise (AWS, OSS). */
  forcePathStyle?: boolean;
  /** Taken from the environment (AWS_ACCESS_KEY_ID, ...) when omitted. */
  credentials?: S3Credentials | S3CredentialProvider;
  /** Bodies at least this large use multipart upload (default 32 MiB, min 5 MiB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 16 MiB, min 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded at once (default 4). */
  partConcurrency?: number;
  /** Attempts per request, first included (default 5). */
  maxAttempts?: number;
  /** Per-request socket timeout (default 30 s). */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

const MIN_PART = 5 * 1024 * 1024;

const KIND_BY_COMMAND: Record<string, RequestKind> = {
  PutObjectCommand: "PUT",
  CreateMultipartUploadCommand: "PUT",
  UploadPartCommand: "PUT",
  CompleteMultipartUploadCommand: "PUT",
  AbortMultipartUploadCommand: "DELETE",
  GetObjectCommand: "GET",
  HeadObjectCommand: "HEAD",
  DeleteObjectsCommand: "DELETE",
  ListObjectsV2Command: "LIST",
};

export class S3ObjectStore implements ObjectStore {
  readonly uri: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #counts = emptyRequestCounts();
  #closed = false;

  constructor(options: S3ObjectStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ? `${options.prefix.replace(/\/+$/, "")}/` : "";
    this.uri = `s3://${options.bucket}/${this.#prefix}`;
    this.#partSize = Math.max(MIN_PART, options.partSizeBytes ?? 16 * 1024 * 1024);
    this.#multipartThreshold = Math.max(MIN_PART, options.multipartThresholdBytes ?? 32 * 1024 * 1024);
    this.#partConcurrency = Math.max(1, options.partConcurrency ?? 4);
    this.#client = new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 5,
      retryMode: "standard",
      requestHandler: {
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      },
      // Integrity is checked by our own CRCs; newer SDK defaults add trailers some S3-compatible servers reject.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    this.#client.middlewareStack.add(
      (next, context) => async (args) => {
        const kind = KIND_BY_COMMAND[context.commandName ?? ""];
        if (kind) this.#counts[kind]++;
        return next(args);
      },
      // The deserialize step runs inside the retry loop: every attempt is counted.
      { step: "deserialize", name: "cirrusRequestCounter", priority: "high" },
    );
  }

  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.#check();
    assertValidKey(key);
    const chunks = bodyChunks(body);
    const length = bodyLength(chunks);
    if (length < this.#multipartThreshold) {
      const Body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      await this.#send(key, () =>
        this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: this.#key(key), Body })),
      );
      return;
    }
    await this.#putMultipart(key, chunks, length);
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    this.#check();
    assertValidKey(key);
    if (
      range &&
      (!Number.isSafeInteger(range.start) ||
        !Number.isSafeInteger(range.end) ||
        range.start < 0 ||
        range.end <= range.start)
    ) {
      throw new ObjectStoreError(
        ObjectStoreErrorCode.INVALID_RANGE,
        `invalid range [${range.start}, ${range.end}) for ${key}`,
      );
    }
    return this.#send(key, async () => {
      const response = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
        }),
      );
      const bytes = await response.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.#check();
    assertValidKey(key);
    try {
      const response = await this.#send(key, () =>
        this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) })),
      );
      return { key, size: response.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof ObjectStoreError && error.code === ObjectStoreErrorCode.OBJECT_NOT_FOUND)
        return undefined;
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#check();
    for (const key of keys) assertValidKey(key);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const response = await this.#send(batch[0]!, () =>
        this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.#key(key) })), Quiet: true },
          }),
        ),
      );
      const failed = (response.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) {
        throw new ObjectStoreError(
          ObjectStoreErrorCode.UNAVAILABLE,
          `delete failed for ${failed.length} keys, first ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message}`,
        );
      }
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.#check();
    assertValidPrefix(prefix);
    const result: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const response = await this.#send(prefix, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#key(prefix),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const item of response.Contents ?? []) {
        result.push({ key: item.Key!.slice(this.#prefix.length), size: item.Size ?? 0 });
      }
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (token);
    return result.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#client.destroy();
  }

  async #putMultipart(key: string, chunks: readonly Buffer[], length: number): Promise<void> {
    const Key = this.#key(key);
    const created = await this.#send(key, () =>
      this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key })),
    );
    const UploadId = created.UploadId!;
    try {
      const parts = splitIntoParts(chunks, length, this.#partSize);
      const etags: string[] = new Array(parts.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < parts.length) {
          const index = next++;
          const response = await this.#send(key, () =>
            this.#client.send(
              new UploadPartCommand({
                Bucket: this.#bucket,
                Key,
                UploadId,
                PartNumber: index + 1,
                Body: parts[index]!,
              }),
            ),
          );
          etags[index] = response.ETag!;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#partConcurrency, parts.length) }, worker));
      await this.#send(key, () =>
        this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }),
        ),
      );
    } catch (error) {
      await this.#client
        .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key, UploadId }))
        .catch(() => {});
      throw error;
    }
  }

  async #send<T>(key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw mapS3Error(key, error);
    }
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  #check(): void {
    if (this.#closed) throw new ObjectStoreError(ObjectStoreErrorCode.CLOSED, `${this.uri} is closed`);
  }
}
