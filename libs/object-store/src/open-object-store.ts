// Chooses the store from a URI:
//   file:///abs/path or file://relative/path   a local folder (the default: file://./data/objects)
//   s3://bucket/prefix?endpoint=URL&region=R&forcePathStyle=true   the S3 API
//   mem://[name]                                memory (tests)
// For s3://, explicit options win over query parameters, which win over the environment
// (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY via the SDK).
// Credentials: options.s3.credentials, else what options.s3CredentialsFor gives for the endpoint (a cloud's own
// chain, e.g. Alibaba's RAM role for OSS, which the SDK's chain cannot read), else the SDK's default chain.
import { resolve } from "node:path";
import { ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";
import { FileObjectStore, type FileObjectStoreOptions } from "./file-object-store.ts";
import { MemObjectStore } from "./mem-object-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { type S3CredentialProvider, S3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store.ts";

export const DEFAULT_OBJECT_STORE_URI = "file://./data/objects";

export interface OpenObjectStoreOptions {
  file?: FileObjectStoreOptions;
  s3?: Partial<S3ObjectStoreOptions>;
  /** Credentials for an s3:// store without explicit ones, by its endpoint; undefined: the SDK's chain. */
  s3CredentialsFor?: (
    endpoint: string | undefined,
    env: NodeJS.ProcessEnv,
  ) => S3CredentialProvider | undefined;
  env?: NodeJS.ProcessEnv;
}

export function openObjectStore(
  uri: string = DEFAULT_OBJECT_STORE_URI,
  options: OpenObjectStoreOptions = {},
): ObjectStore {
  const scheme = /^([a-z0-9]+):\/\//.exec(uri)?.[1];
  const rest = uri.slice((scheme?.length ?? 0) + 3);
  switch (scheme) {
    case "file": {
      if (rest.length === 0) throw invalid(uri, "a file:// URI needs a path");
      return new FileObjectStore(resolve(decodeURIComponent(rest)), options.file);
    }
    case "mem":
      return new MemObjectStore(uri);
    case "s3": {
      const env = options.env ?? process.env;
      const parsed = parseS3Uri(uri, options.s3 ?? {}, env);
      const credentials = parsed.credentials ?? options.s3CredentialsFor?.(parsed.endpoint, env);
      return new S3ObjectStore({ ...parsed, ...(credentials ? { credentials } : {}) });
    }
    default:
      throw invalid(uri, "expected file://, s3:// or mem://");
  }
}

export function parseS3Uri(
  uri: string,
  overrides: Partial<S3ObjectStoreOptions>,
  env: NodeJS.ProcessEnv,
): S3ObjectStoreOptions {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (error) {
    throw new ObjectStoreError(ObjectStoreErrorCode.INVALID_URI, `invalid object store URI ${uri}`, {
      cause: error,
    });
  }
  const bucket = overrides.bucket ?? url.hostname;
  if (!bucket) throw invalid(uri, "an s3:// URI needs a bucket");
  const query = url.searchParams;
  const endpoint =
    overrides.endpoint ?? query.get("endpoint") ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = overrides.region ?? query.get("region") ?? env.AWS_REGION;
  const pathStyle = query.get("forcePathStyle");
  return {
    ...overrides,
    bucket,
    prefix: overrides.prefix ?? decodeURIComponent(url.pathname.replace(/^\/+/, "")),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle:
      overrides.forcePathStyle ?? (pathStyle === null ? undefined : pathStyle === "true") ?? false,
  };
}

function invalid(uri: string, why: string): ObjectStoreError {
  return new ObjectStoreError(ObjectStoreErrorCode.INVALID_URI, `invalid object store URI ${uri}: ${why}`);
}
