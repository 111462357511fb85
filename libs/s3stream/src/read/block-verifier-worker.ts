// The block verifier thread: checks fetched object bytes against their CRCs off the main thread, then hands
// the bytes back (transferred, not copied). See block-verifier.ts.
import { parentPort } from "node:worker_threads";
import { StreamStorageError } from "../errors.ts";
import { type BlockIndexEntry, verifyBlock } from "../object/object-format.ts";

export interface VerifyRequest {
  id: number;
  objectId: number;
  buffer: ArrayBuffer;
  /** Object position of the first byte of `buffer`. */
  start: number;
  entries: BlockIndexEntry[];
}

export interface VerifyReply {
  id: number;
  buffer: ArrayBuffer;
  error?: { code: string; message: string };
}

parentPort!.on("message", (request: VerifyRequest) => {
  const bytes = Buffer.from(request.buffer);
  let error: VerifyReply["error"];
  try {
    for (const entry of request.entries) {
      const at = entry.position - request.start;
      verifyBlock(request.objectId, bytes.subarray(at, at + entry.size), entry);
    }
  } catch (cause) {
    const e = cause as StreamStorageError;
    error = { code: e instanceof StreamStorageError ? e.code : "CORRUPT_DATA", message: String(e.message) };
  }
  const reply: VerifyReply = { id: request.id, buffer: request.buffer, ...(error ? { error } : {}) };
  parentPort!.postMessage(reply, [request.buffer]);
});
