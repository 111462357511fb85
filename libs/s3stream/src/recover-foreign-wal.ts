// Failover mode: replays the WAL of a dead node (its volume attached here) into object storage, then closes the
// streams that node still had open so that new owners can open them. The WAL file is only read, never changed:
// running this twice commits nothing new the second time.
//
// Precondition (the control plane's job, DESIGN.md invariant 2): the dead node's lease has expired, so it can
// no longer ack appends. Its streams are still at the epochs it used; committing under those epochs succeeds,
// and a stream already reopened at a newer epoch is reported in skippedStreams instead.
import type { ObjectStore } from "@cirrus/object-store";
import { assertSafeIndex, toStreamStorageError } from "./errors.ts";
import type { ObjectManager } from "./object-manager.ts";
import type { RecoveryReport } from "./stream-types.ts";
import { replayWal } from "./wal/replay-wal.ts";
import { WalFile } from "./wal/wal-file.ts";

export interface RecoverForeignWalOptions {
  objectStore: ObjectStore;
  objectManager: ObjectManager;
  /** The node doing the recovery (it becomes the writer of the stream set objects). */
  nodeId: number;
  nodeEpoch: number;
  /** Bytes per uploaded batch (default 256 MiB). */
  batchBytes?: number;
  streamObjectThresholdBytes?: number;
}

export interface ForeignRecoveryReport extends RecoveryReport {
  /** The node the WAL belonged to, from its header. */
  deadNodeId: number;
  /** Streams of the dead node that were closed after the replay. */
  closedStreams: number[];
}

export async function recoverForeignWal(
  walPath: string,
  options: RecoverForeignWalOptions,
): Promise<ForeignRecoveryReport> {
  assertSafeIndex("nodeId", options.nodeId);
  assertSafeIndex("nodeEpoch", options.nodeEpoch);
  try {
    return await recover(walPath, options);
  } catch (error) {
    throw toStreamStorageError(error, `recovery of ${walPath}`);
  }
}

async function recover(walPath: string, options: RecoverForeignWalOptions): Promise<ForeignRecoveryReport> {
  const wal = await WalFile.open(walPath, "r");
  try {
    const deadNodeId = wal.header.nodeId;
    const report = await replayWal(
      wal,
      {
        objectStore: options.objectStore,
        objectManager: options.objectManager,
        nodeId: options.nodeId,
        nodeEpoch: options.nodeEpoch,
        streamObjectThresholdBytes: options.streamObjectThresholdBytes ?? 32 * 1024 * 1024,
        maxStreamSetObjectBytes: 128 * 1024 * 1024,
        blockBytes: 1024 * 1024,
        prepareTtlMs: 10 * 60_000,
      },
      options.batchBytes ?? 256 * 1024 * 1024,
    );
    const closedStreams = await closeStreamsOf(options.objectManager, deadNodeId, report.endOffsets);
    const { walEndOffset: _, ...rest } = report;
    return { ...rest, deadNodeId, closedStreams };
  } finally {
    await wal.close();
  }
}

/** Closes the streams `nodeId` still has open (it is gone); records their committed ends if not known yet. */
export async function closeStreamsOf(
  objectManager: ObjectManager,
  nodeId: number,
  endOffsets: Map<number, number>,
): Promise<number[]> {
  const closed: number[] = [];
  for (const stream of await objectManager.getOpeningStreams(nodeId)) {
    await objectManager.closeStream(stream.streamId, stream.epoch);
    closed.push(stream.streamId);
    if (!endOffsets.has(stream.streamId)) endOffsets.set(stream.streamId, stream.endOffset);
  }
  return closed;
}
