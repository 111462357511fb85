// Verifies fetched blocks on a thread of its own. Checksumming is most of the CPU a cold read costs; done on
// the main thread at hundreds of MiB/s it delays WAL completions and appends. The bytes travel to the thread
// and back by transfer (no copy). Bytes whose memory is shared with other Buffers cannot be transferred and
// are verified in place instead.
import { Worker } from "node:worker_threads";
import { ErrorCode, errorFromCode, StreamStorageError } from "../errors.ts";
import { type BlockIndexEntry, verifyBlock } from "../object/object-format.ts";
import type { VerifyReply, VerifyRequest } from "./block-verifier-worker.ts";

const MIN_OFFLOAD_BYTES = 256 * 1024;

export class BlockVerifier {
  #worker: Worker | undefined;
  readonly #pending = new Map<
    number,
    { resolve: (buffer: ArrayBuffer) => void; reject: (e: Error) => void }
  >();
  #nextId = 0;
  #closed = false;

  /** Resolves with the verified bytes (a new Buffer over the same memory); CORRUPT_DATA when a check fails. */
  async verify(objectId: number, bytes: Buffer, start: number, entries: BlockIndexEntry[]): Promise<Buffer> {
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    if (
      this.#closed ||
      !owned ||
      bytes.length < MIN_OFFLOAD_BYTES ||
      !(bytes.buffer instanceof ArrayBuffer)
    ) {
      for (const entry of entries) {
        const at = entry.position - start;
        verifyBlock(objectId, bytes.subarray(at, at + entry.size), entry);
      }
      return bytes;
    }
    const worker = this.#start();
    const id = this.#nextId++;
    const buffer = bytes.buffer;
    const returned = new Promise<ArrayBuffer>((resolve, reject) =>
      this.#pending.set(id, { resolve, reject }),
    );
    const request: VerifyRequest = { id, objectId, buffer, start, entries };
    worker.postMessage(request, [buffer]);
    return Buffer.from(await returned);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./block-verifier-worker.ts", import.meta.url));
    worker.unref(); // never keeps the process alive
    worker.on("message", (reply: VerifyReply) => {
      const call = this.#pending.get(reply.id);
      if (!call) return;
      this.#pending.delete(reply.id);
      if (reply.error) call.reject(errorFromCode(reply.error.code, reply.error.message));
      else call.resolve(reply.buffer);
    });
    const failAll = (cause: unknown) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const call of this.#pending.values()) {
        call.reject(
          new StreamStorageError(ErrorCode.UPSTREAM_UNAVAILABLE, "block verifier thread stopped", { cause }),
        );
      }
      this.#pending.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`exit ${code}`)));
    this.#worker = worker;
    return worker;
  }
}
