// Pure helpers of MemoryObjectManager: range validation, grouping and coverage comparison, and the
// metadata of a stream object. Kept apart so the manager itself reads as the contract's state machine.
import { assertSafeIndex, ErrorCode, StreamStorageError } from "./errors.ts";
import {
  type CommitStreamObjectRequest,
  type ObjectMetadata,
  ObjectType,
  type StreamRange,
} from "./object-manager.ts";

/** A stream's range inside a given object. */
export interface ObjectRange {
  objectId: number;
  range: StreamRange;
}

export function fenced(streamId: number, epoch: number, current: number): StreamStorageError {
  return new StreamStorageError(
    ErrorCode.STREAM_FENCED,
    `stream ${streamId} epoch ${epoch} is fenced by current epoch ${current}`,
  );
}

export function copyRange(range: StreamRange): StreamRange {
  return { ...range };
}

export function assertRange(range: StreamRange): void {
  for (const key of ["streamId", "streamEpoch", "startOffset", "endOffset", "position", "length"] as const) {
    assertSafeIndex(key, range[key]);
  }
  if (range.endOffset <= range.startOffset) {
    throw new StreamStorageError(
      ErrorCode.INVALID_ARGUMENT,
      `range of stream ${range.streamId} is empty or inverted: [${range.startOffset}, ${range.endOffset})`,
    );
  }
}

export function streamObjectMetadata(
  request: Omit<CommitStreamObjectRequest, "sourceObjectIds">,
  committedAt: number,
): ObjectMetadata {
  return {
    objectId: request.objectId,
    type: ObjectType.STREAM,
    objectSize: request.objectSize,
    nodeId: -1,
    orderId: -1,
    committedAt,
    ranges: [
      {
        streamId: request.streamId,
        streamEpoch: request.streamEpoch,
        startOffset: request.startOffset,
        endOffset: request.endOffset,
        position: 0,
        length: request.objectSize,
      },
    ],
  };
}

export function rangesByStream(objects: ObjectMetadata[]): Map<number, ObjectRange[]> {
  const byStream = new Map<number, ObjectRange[]>();
  for (const object of objects) {
    for (const range of object.ranges) {
      let list = byStream.get(range.streamId);
      if (!list) {
        list = [];
        byStream.set(range.streamId, list);
      }
      list.push({ objectId: object.objectId, range });
    }
  }
  for (const list of byStream.values()) list.sort((a, b) => a.range.startOffset - b.range.startOffset);
  return byStream;
}

/** True when both lists cover the same offsets at or above `from`, each list being contiguous and sorted. */
export function sameCoverage(
  removed: { range: StreamRange }[],
  added: { range: StreamRange }[],
  from: number,
): boolean {
  const merge = (list: { range: StreamRange }[]): [number, number][] => {
    const out: [number, number][] = [];
    for (const { range } of list) {
      const start = Math.max(range.startOffset, from);
      if (range.endOffset <= start) continue;
      const last = out[out.length - 1];
      if (last && last[1] === start) last[1] = range.endOffset;
      else if (last && last[1] > start) return [[-1, -1]];
      else out.push([start, range.endOffset]);
    }
    return out;
  };
  const a = merge([...removed].sort((x, y) => x.range.startOffset - y.range.startOffset));
  const b = merge(added);
  return a.length === b.length && a.every((iv, i) => iv[0] === b[i]![0] && iv[1] === b[i]![1]);
}
