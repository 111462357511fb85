// The WAL's file (or block device) seen as: two header slots, then a ring of `dataCapacity` bytes addressed by
// ever-growing logical offsets (physical = DATA_START + logical % dataCapacity). Writes and reads that cross the
// end of the ring are split in two. One FileHandle serves everything, so writes are large and sequential; the
// group-commit path (write + sync) calls fs on its descriptor with callbacks, which costs the event loop much less
// per call than FileHandle's promise methods.
import { fdatasync, writev } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { ErrorCode, StreamStorageError } from "../errors.ts";
import {
  DATA_START,
  encodeWalHeader,
  HEADER_SLOT_SIZE,
  pickWalHeader,
  type WalHeader,
} from "./wal-header.ts";

const ZERO_CHUNK = 8 * 1024 * 1024;

export class WalFile {
  readonly path: string;
  readonly dataCapacity: number;
  readonly #handle: FileHandle;
  #header: WalHeader;
  /** fdatasync calls on the data area (group commits), for tests and metrics. */
  syncCount = 0;

  private constructor(path: string, handle: FileHandle, header: WalHeader) {
    this.path = path;
    this.#handle = handle;
    this.#header = header;
    this.dataCapacity = header.capacity - DATA_START;
  }

  /** Opens an existing WAL; WAL_INVALID if it has no valid header. */
  static async open(path: string, mode: "r" | "r+" = "r+"): Promise<WalFile> {
    const handle = await open(path, mode);
    try {
      const slots = Buffer.alloc(DATA_START);
      await handle.read(slots, 0, DATA_START, 0);
      const header = pickWalHeader(slots);
      if (!header) throw new StreamStorageError(ErrorCode.WAL_INVALID, `${path} has no valid WAL header`);
      return new WalFile(path, handle, header);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Creates a WAL of `capacity` bytes in a file or on a raw block device, zero-filled so that later writes
   * never allocate blocks (and stale bytes never look like records).
   */
  static async create(path: string, header: Omit<WalHeader, "sequence">): Promise<WalFile> {
    const isDevice = (await stat(path).catch(() => undefined))?.isBlockDevice() ?? false;
    const handle = await open(path, isDevice ? "r+" : "w+");
    try {
      const zeros = Buffer.alloc(Math.min(ZERO_CHUNK, header.capacity));
      for (let at = 0; at < header.capacity; at += zeros.length) {
        await handle.write(zeros, 0, Math.min(zeros.length, header.capacity - at), at);
      }
      const file = new WalFile(path, handle, { ...header, sequence: 0 });
      await file.writeHeader({});
      return file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * What is at `path`: nothing ("absent": create a WAL), a WAL ("wal": recover it), or something else. A raw
   * block device without a WAL header is "blank" (format it); a non-empty regular file without one is
   * "foreign" and never overwritten.
   */
  static async probe(path: string): Promise<"absent" | "wal" | "blank" | "foreign"> {
    const info = await stat(path).catch(() => undefined);
    if (!info || (info.isFile() && info.size === 0)) return "absent";
    const handle = await open(path, "r");
    try {
      const slots = Buffer.alloc(DATA_START);
      await handle.read(slots, 0, DATA_START, 0);
      if (pickWalHeader(slots)) return "wal";
    } finally {
      await handle.close();
    }
    return info.isBlockDevice() ? "blank" : "foreign";
  }

  get header(): Readonly<WalHeader> {
    return this.#header;
  }

  /** Durably replaces the header (next slot, higher sequence, then fdatasync). */
  async writeHeader(update: Partial<Omit<WalHeader, "sequence" | "capacity">>): Promise<void> {
    const next: WalHeader = { ...this.#header, ...update, sequence: this.#header.sequence + 1 };
    const slot = encodeWalHeader(next);
    await this.#handle.write(slot, 0, HEADER_SLOT_SIZE, (next.sequence % 2) * HEADER_SLOT_SIZE);
    await this.#handle.datasync();
    this.#header = next;
  }

  /** Writes `chunks` contiguously at logical offset `logical` (not synced). */
  async write(logical: number, chunks: Buffer[], length: number): Promise<void> {
    const ringAt = logical % this.dataCapacity;
    const untilEnd = this.dataCapacity - ringAt;
    if (length <= untilEnd) {
      await this.#writev(chunks, DATA_START + ringAt);
      return;
    }
    const [first, second] = splitChunks(chunks, untilEnd);
    await this.#writev(first, DATA_START + ringAt);
    await this.#writev(second, DATA_START);
  }

  sync(): Promise<void> {
    this.syncCount++;
    return new Promise((resolve, reject) => {
      fdatasync(this.#handle.fd, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Reads `length` bytes at logical offset `logical` (wrapping). */
  async read(logical: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const ringAt = (logical + done) % this.dataCapacity;
      const take = Math.min(length - done, this.dataCapacity - ringAt);
      const { bytesRead } = await this.#handle.read(out, done, take, DATA_START + ringAt);
      if (bytesRead === 0)
        throw new StreamStorageError(ErrorCode.WAL_INVALID, `${this.path} is shorter than its header says`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }

  async #writev(chunks: Buffer[], position: number): Promise<void> {
    // libuv loops over partial writes and IOV_MAX itself; slices keep each call's iovec array small.
    for (let i = 0; i < chunks.length; i += 1024) {
      const slice = i === 0 && chunks.length <= 1024 ? chunks : chunks.slice(i, i + 1024);
      position += await this.#writevAt(slice, position);
    }
  }

  #writevAt(chunks: Buffer[], position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      writev(this.#handle.fd, chunks, position, (error, written) =>
        error ? reject(error) : resolve(written),
      );
    });
  }
}

function splitChunks(chunks: Buffer[], at: number): [Buffer[], Buffer[]] {
  const first: Buffer[] = [];
  const second: Buffer[] = [];
  let seen = 0;
  for (const chunk of chunks) {
    if (seen >= at) second.push(chunk);
    else if (seen + chunk.length <= at) first.push(chunk);
    else {
      first.push(chunk.subarray(0, at - seen));
      second.push(chunk.subarray(at - seen));
    }
    seen += chunk.length;
  }
  return [first, second];
}
