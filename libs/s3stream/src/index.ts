export type { RecordRewrite, RewriteOutcome } from "./compaction/stream-rewriter.ts";
export {
  assertSafeIndex,
  ErrorCode,
  errorFromCode,
  hasErrorCode,
  isErrorCode,
  StreamStorageError,
} from "./errors.ts";
export { MemoryObjectManager, type MemoryObjectManagerOptions } from "./memory-object-manager.ts";
// The object index's rules, shared by every ObjectManager (MemoryObjectManager, the control plane's database).
export {
  assertNodeLive,
  type CommitPlan,
  type CommitRequest,
  type CommitState,
  type CommitWork,
  checkPrepared,
  commitWork,
  involvedStreamIds,
  type NewObject,
  type NodeRecord,
  type ObjectIdState,
  planCommit,
} from "./metadata/commit-rules.ts";
export { type ObjectRange, rangesByStream, sameCoverage } from "./metadata/ranges.ts";
export {
  assertReadableFrom,
  assertStreamOwner,
  isTrimmedAway,
  openedStream,
  streamFenced,
  streamNotFound,
  streamNotOpen,
  trimmedStart,
} from "./metadata/stream-rules.ts";
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
  StreamCloseOptions,
  StreamCloseStep,
  StreamRecord,
} from "./stream-types.ts";
export { ObjectIdPool, type ObjectIdPoolOptions } from "./upload/object-id-pool.ts";
