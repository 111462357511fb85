// Defaults and validation of StorageOptions, resolved once at open and frozen.
import { assertSafeIndex, ErrorCode, StreamStorageError } from "./errors.ts";
import type { StorageOptions } from "./stream-types.ts";
import { DATA_START } from "./wal/wal-header.ts";

const MiB = 1024 * 1024;

export type ResolvedStorageOptions = Readonly<
  Required<Omit<StorageOptions, "compaction">> & Pick<StorageOptions, "compaction"> & { blockBytes: number }
>;

function ignoreWalWrite(): void {}
function ignoreStreamClose(): void {}

export function resolveStorageOptions(options: StorageOptions): ResolvedStorageOptions {
  assertSafeIndex("walCapacity", options.walCapacity);
  assertSafeIndex("nodeId", options.nodeId);
  assertSafeIndex("nodeEpoch", options.nodeEpoch);
  if (options.walCapacity < DATA_START + MiB) {
    throw new StreamStorageError(
      ErrorCode.INVALID_ARGUMENT,
      `walCapacity must be at least ${DATA_START + MiB} bytes`,
    );
  }
  if (typeof options.walPath !== "string" || options.walPath.length === 0) {
    throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "walPath is required");
  }
  const dataCapacity = options.walCapacity - DATA_START;
  const resolved = {
    ...options,
    uploadThresholdBytes: options.uploadThresholdBytes ?? Math.floor(dataCapacity / 3),
    uploadIntervalMs: options.uploadIntervalMs ?? 30_000,
    streamObjectThresholdBytes: options.streamObjectThresholdBytes ?? 32 * MiB,
    logCacheBytes: options.logCacheBytes ?? 64 * MiB,
    blockCacheBytes: options.blockCacheBytes ?? 64 * MiB,
    appendTimeoutMs: options.appendTimeoutMs ?? 10_000,
    maxRecordBytes: Math.min(options.maxRecordBytes ?? 16 * MiB, Math.floor(dataCapacity / 4)),
    coldReadBytesPerSecond: options.coldReadBytesPerSecond ?? 0,
    adoptForeignWal: options.adoptForeignWal ?? false,
    requireExistingWal: options.requireExistingWal ?? false,
    observeWalWrite: options.observeWalWrite ?? ignoreWalWrite,
    observeStreamClose: options.observeStreamClose ?? ignoreStreamClose,
    blockBytes: MiB,
  };
  for (const key of [
    "uploadThresholdBytes",
    "uploadIntervalMs",
    "streamObjectThresholdBytes",
    "logCacheBytes",
    "blockCacheBytes",
    "appendTimeoutMs",
    "maxRecordBytes",
    "coldReadBytesPerSecond",
  ] as const) {
    assertSafeIndex(key, resolved[key]);
  }
  if (resolved.uploadThresholdBytes > dataCapacity) {
    throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "uploadThresholdBytes exceeds the WAL capacity");
  }
  return Object.freeze(resolved);
}
