// One interface over the object stores Cirrus writes to: a local folder (file://, the default), the S3 API
// (s3://: AWS S3, Alibaba OSS's S3-compatible endpoint, MinIO) and memory (mem://, tests).
//
// Contract shared by every implementation (test/object-store-suite.ts runs it against all three):
// - Keys are relative, '/'-separated, non-empty, without '..' segments or a leading '/'.
// - put is atomic: readers see either no object or the whole new one, never a partial write.
// - Buffers passed to put are only read, never kept after the promise settles; callers must not mutate them
//   until then. Buffers returned by get belong to the caller.
// - Ranges are half-open byte ranges [start, end). A range reaching past the end is cut at the end; a range
//   starting at or past the end (of a non-empty object) is INVALID_RANGE.
// - Failures are ObjectStoreError (errors.ts); a missing key is OBJECT_NOT_FOUND on get, undefined on head,
//   and ignored by delete.

export interface ByteRange {
  start: number;
  /** Exclusive. */
  end: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

export const RequestKind = { PUT: "PUT", GET: "GET", DELETE: "DELETE", LIST: "LIST", HEAD: "HEAD" } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

/** Requests sent to the backend, by kind (each multipart part counts as a PUT, as providers bill it). */
export type RequestCounts = Record<RequestKind, number>;

export interface ObjectStore {
  /** The URI it was opened with (without credentials). */
  readonly uri: string;

  /**
   * Stores the concatenation of `body` (one Buffer or a list of chunks, not copied when avoidable) under
   * `key`, replacing any previous object. Large bodies go up as multipart uploads on S3.
   */
  put(key: string, body: Buffer | readonly Buffer[]): Promise<void>;

  /** The whole object, or the given range of it. */
  get(key: string, range?: ByteRange): Promise<Buffer>;

  /** Size of the object, or undefined if it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;

  /** Deletes the keys (batched; missing keys are not an error). */
  delete(keys: readonly string[]): Promise<void>;

  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;

  /** Requests sent so far, by kind. */
  requestCounts(): RequestCounts;

  /** Releases sockets/handles. Further calls fail. */
  close(): Promise<void>;
}

export function emptyRequestCounts(): RequestCounts {
  return { PUT: 0, GET: 0, DELETE: 0, LIST: 0, HEAD: 0 };
}
