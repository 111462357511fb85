export {
  assertSafeIndex,
  ErrorCode,
  errorFromCode,
  hasErrorCode,
  isErrorCode,
  StreamStorageError,
} from "./errors.ts";
export { MemoryObjectManager, type MemoryObjectManagerOptions } from "./memory-object-manager.ts";
export {
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  type CreateStreamOptions,
  NO_OBJECT_ID,
  type ObjectManager,
  type ObjectMetadata,
  ObjectType,
  type StreamMetadata,
  type StreamObjectCommit,
  type StreamRange,
  StreamState,
  type UnreferencedObject,
} from "./object-manager.ts";
export {
  type ForeignRecoveryReport,
  type RecoverForeignWalOptions,
  recoverForeignWal,
} from "./recover-foreign-wal.ts";
export { Storage, type StorageStats } from "./storage.ts";
export type {
  AppendRequest,
  CompactionOptions,
  RecoveryReport,
  StorageOptions,
  Stream,
  StreamRecord,
} from "./stream-types.ts";
