// The rules of a stream's life in the object index (open, close, trim, delete, read), as pure functions
// over the stream's current row: every ObjectManager (MemoryObjectManager, the control plane's database
// one) reads the row, asks these, and writes what they return. A refusal is a StreamStorageError thrown
// before anything is written.
import { assertSafeIndex, ErrorCode, StreamStorageError } from "../errors.ts";
import { type StreamMetadata, type StreamRange, StreamState } from "../object-manager.ts";

export function streamNotFound(streamId: number): StreamStorageError {
  return new StreamStorageError(ErrorCode.STREAM_NOT_FOUND, `stream ${streamId} not found`);
}

/** `epoch` is older than the stream's current epoch: another owner took over. */
export function streamFenced(streamId: number, epoch: number, current: number): StreamStorageError {
  return new StreamStorageError(
    ErrorCode.STREAM_FENCED,
    `stream ${streamId} epoch ${epoch} is fenced by current epoch ${current}`,
  );
}

/** `epoch` is newer than the stream's current epoch: nobody opened it at that epoch. */
export function streamNotOpen(streamId: number, epoch: number, current: number): StreamStorageError {
  return new StreamStorageError(
    ErrorCode.STREAM_NOT_OPEN,
    `stream ${streamId} was never opened at epoch ${epoch} (current ${current})`,
  );
}

/**
 * openStream: the stream's row after `nodeId` opens it at `epoch`. An older epoch is fenced; the current
 * epoch re-opens only for its own node (or a CLOSED stream); a newer one takes over.
 */
export function openedStream(stream: StreamMetadata, epoch: number, nodeId: number): StreamMetadata {
  assertSafeIndex("epoch", epoch);
  assertSafeIndex("nodeId", nodeId);
  if (epoch < stream.epoch) throw streamFenced(stream.streamId, epoch, stream.epoch);
  if (epoch === stream.epoch && stream.state === StreamState.OPENED && stream.nodeId !== nodeId) {
    throw new StreamStorageError(
      ErrorCode.STREAM_FENCED,
      `stream ${stream.streamId} epoch ${epoch} is opened by node ${stream.nodeId}; open with a newer epoch`,
    );
  }
  return { ...stream, epoch, state: StreamState.OPENED, nodeId };
}

/** closeStream, trimStream, deleteStream: only the current epoch may (older: fenced; newer: never opened). */
export function assertStreamOwner(stream: StreamMetadata, epoch: number): void {
  assertSafeIndex("epoch", epoch);
  if (epoch < stream.epoch) throw streamFenced(stream.streamId, epoch, stream.epoch);
  if (epoch > stream.epoch) throw streamNotOpen(stream.streamId, epoch, stream.epoch);
}

/**
 * trimStream (after assertStreamOwner): the new start offset, or undefined when the trim changes nothing
 * (not above the current start). Beyond the end: OFFSET_OUT_OF_RANGE.
 */
export function trimmedStart(stream: StreamMetadata, newStartOffset: number): number | undefined {
  assertSafeIndex("newStartOffset", newStartOffset);
  if (newStartOffset > stream.endOffset) {
    throw new StreamStorageError(
      ErrorCode.OFFSET_OUT_OF_RANGE,
      `trim of stream ${stream.streamId} to ${newStartOffset} is beyond its end ${stream.endOffset}`,
    );
  }
  return newStartOffset > stream.startOffset ? newStartOffset : undefined;
}

/** A range a trim to `startOffset` drops from the index: it lies wholly below the new start. */
export function isTrimmedAway(range: StreamRange, startOffset: number): boolean {
  return range.endOffset <= startOffset;
}

/** getObjects: reading below the stream's start is OFFSET_OUT_OF_RANGE. */
export function assertReadableFrom(stream: StreamMetadata, startOffset: number): void {
  if (startOffset < stream.startOffset) {
    throw new StreamStorageError(
      ErrorCode.OFFSET_OUT_OF_RANGE,
      `offset ${startOffset} of stream ${stream.streamId} is below its start ${stream.startOffset}`,
    );
  }
}
