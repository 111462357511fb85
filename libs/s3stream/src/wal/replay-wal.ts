// Replays a WAL into object storage: every valid record after the trim point that the object index does not
// have yet is uploaded and committed under its stream's epoch, in batches of `batchBytes`. Used on start-up
// (this node's own WAL after a crash) and in failover mode (a dead node's WAL).
//
// A record already committed (below the stream's committed end) is skipped, so replaying twice is harmless.
// A stream that is deleted, fenced by a newer epoch, or whose WAL records do not continue its committed end
// is reported in `skippedStreams` and nothing of it is committed.
import { ErrorCode, hasErrorCode } from "../errors.ts";
import type { RecoveryReport } from "../stream-types.ts";
import { type UploadContext, type UploadRecord, uploadRecords } from "../upload/upload-records.ts";
import type { WalFile } from "./wal-file.ts";
import { type ScannedRecord, scanWal } from "./wal-scanner.ts";

export interface ReplayResult extends RecoveryReport {
  /** Where new writes may start (just past the last valid record). */
  walEndOffset: number;
}

export async function replayWal(
  file: WalFile,
  ctx: UploadContext,
  batchBytes: number,
): Promise<ReplayResult> {
  const scan = await scanWal(file);
  const byStream = new Map<number, ScannedRecord[]>();
  for (const record of scan.records) {
    let list = byStream.get(record.streamId);
    if (!list) {
      list = [];
      byStream.set(record.streamId, list);
    }
    list.push(record);
  }

  const endOffsets = new Map<number, number>();
  const skippedStreams = new Map<number, string>();
  const pending = new Map<number, UploadRecord[]>();
  for (const [streamId, records] of byStream) {
    let committedEnd: number;
    try {
      committedEnd = (await ctx.objectManager.describeStream(streamId)).endOffset;
    } catch (error) {
      // A deleted stream's records are garbage; any other failure (metadata unreachable) must stop the
      // replay before the WAL is trimmed, or acked data would be lost.
      if (hasErrorCode(error, ErrorCode.STREAM_NOT_FOUND)) {
        skippedStreams.set(streamId, (error as Error).message);
        continue;
      }
      throw error;
    }
    endOffsets.set(streamId, committedEnd);
    const todo = records.filter((r) => r.baseOffset >= committedEnd);
    if (todo.length === 0) continue;
    const contiguous = todo.every(
      (r, i) => r.baseOffset === (i === 0 ? committedEnd : todo[i - 1]!.baseOffset + todo[i - 1]!.count),
    );
    if (!contiguous) {
      skippedStreams.set(
        streamId,
        `WAL records of stream ${streamId} do not continue its committed end ${committedEnd}`,
      );
      continue;
    }
    pending.set(streamId, todo);
  }

  let recoveredRecords = 0;
  // Upload in batches of about batchBytes, cutting each stream's list where a batch fills.
  while (pending.size > 0) {
    const batch = new Map<number, UploadRecord[]>();
    let bytes = 0;
    for (const [streamId, list] of pending) {
      let take = 0;
      while (take < list.length && (bytes < batchBytes || take === 0)) bytes += list[take++]!.payload.length;
      batch.set(streamId, list.slice(0, take));
      if (take === list.length) pending.delete(streamId);
      else pending.set(streamId, list.slice(take));
      if (bytes >= batchBytes) break;
    }
    const result = await uploadRecords(ctx, batch);
    for (const streamId of result.committed) {
      const list = batch.get(streamId)!;
      const last = list[list.length - 1]!;
      endOffsets.set(streamId, last.baseOffset + last.count);
      recoveredRecords += list.length;
    }
    for (const [streamId, reason] of result.refused) {
      skippedStreams.set(streamId, reason.message);
      pending.delete(streamId);
    }
  }
  return {
    endOffsets,
    recoveredRecords,
    scannedBytes: scan.endOffset - file.header.trimOffset,
    stop: scan.stop,
    skippedStreams,
    walEndOffset: scan.endOffset,
  };
}
