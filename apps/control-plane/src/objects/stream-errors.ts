import { ErrorCode, StreamStorageError } from "@cirrus/s3stream";

export function streamNotFound(streamId: number): StreamStorageError {
  return new StreamStorageError(ErrorCode.STREAM_NOT_FOUND, `stream ${streamId} not found`);
}

export function streamFenced(streamId: number, epoch: number, current: number): StreamStorageError {
  return new StreamStorageError(
    ErrorCode.STREAM_FENCED,
    `stream ${streamId} epoch ${epoch} is fenced by current epoch ${current}`,
  );
}

export function streamNotOpen(streamId: number, epoch: number, current: number): StreamStorageError {
  return new StreamStorageError(
    ErrorCode.STREAM_NOT_OPEN,
    `stream ${streamId} was never opened at epoch ${epoch} (current ${current})`,
  );
}

export function offsetOutOfRange(message: string): StreamStorageError {
  return new StreamStorageError(ErrorCode.OFFSET_OUT_OF_RANGE, message);
}

export function invalidArgument(message: string): StreamStorageError {
  return new StreamStorageError(ErrorCode.INVALID_ARGUMENT, message);
}
