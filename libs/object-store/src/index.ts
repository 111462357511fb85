export { isObjectNotFound, ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";
export { FileObjectStore, type FileObjectStoreOptions } from "./file-object-store.ts";
export { MemObjectStore } from "./mem-object-store.ts";
export {
  type ByteRange,
  emptyRequestCounts,
  type ObjectInfo,
  type ObjectStore,
  type RequestCounts,
  RequestKind,
} from "./object-store.ts";
export {
  DEFAULT_OBJECT_STORE_URI,
  type OpenObjectStoreOptions,
  openObjectStore,
  parseS3Uri,
} from "./open-object-store.ts";
export {
  type S3CredentialProvider,
  type S3Credentials,
  S3ObjectStore,
  type S3ObjectStoreOptions,
} from "./s3-object-store.ts";
