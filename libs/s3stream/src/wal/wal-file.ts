// The WAL's file (or block device) seen as: two header slots, then a ring of `dataCapacity` bytes addressed by
// ever-growing logical offsets (physical = DATA_START + logical % dataCapacity). Writes and reads that cross the
// end of the ring are split in two.
//
// Group writes go through a second descriptor opened with O_DSYNC, so a group is durable when its one writev
// returns: one thread-pool round trip per group instead of two (writev, then fdatasync), at the same device
// latency. Where the kernel or filesystem refuses O_DSYNC (EINVAL at open) the WAL falls back to writev +
// fdatasync on the main descriptor; the choice is made once, at open. Header writes stay on the main
// FileHandle + datasync (rare: creation and trims), and fdatasync covers the inode whichever descriptor wrote.
// The group path calls fs with callbacks, which costs the event loop much less per call than FileHandle's
// promise methods.
import { close as closeFd, constants, fdatasync, open as openFd, writev } from "node:fs";
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

/**
 * How a group write becomes durable: "o_dsync" (the write itself, through an O_DSYNC descriptor) or "fdatasync"
 * (write, then fdatasync: the fallback, and read-only WALs).
 */
export type WalDurability = "o_dsync" | "fdatasync";

export interface WalFileOptions {
  /**
   * Opens the data descriptor read-write with O_DSYNC and resolves its fd. Defaults to fs.open; tests pass one
   * that fails to force the fallback. EINVAL selects the write + fdatasync fallback; any other error fails the
   * open.
   */
  openDataDescriptor?: (path: string, flags: number) => Promise<number>;
}

export class WalFile {
  readonly path: string;
  readonly dataCapacity: number;
  readonly durability: WalDurability;
  readonly #handle: FileHandle;
  /** The O_DSYNC descriptor for group writes ("o_dsync" only); -1 once closed, so a reused fd is never hit. */
  #syncedFd: number;
  #header: WalHeader;
  /** Group writes made durable (one writev each, plus one fdatasync in the fallback), for tests and metrics. */
  durableWriteCount = 0;
  /** fdatasync calls for group writes (0 with O_DSYNC), for tests and metrics. */
  syncCount = 0;

  private constructor(path: string, handle: FileHandle, header: WalHeader, dataFd: number | undefined) {
    this.path = path;
    this.#handle = handle;
    this.#header = header;
    this.dataCapacity = header.capacity - DATA_START;
    this.#syncedFd = dataFd ?? -1;
    this.durability = dataFd === undefined ? "fdatasync" : "o_dsync";
  }

  /** Opens an existing WAL; WAL_INVALID if it has no valid header. */
  static async open(path: string, mode: "r" | "r+" = "r+", options: WalFileOptions = {}): Promise<WalFile> {
    const handle = await open(path, mode);
    let dataFd: number | undefined;
    try {
      const slots = Buffer.alloc(DATA_START);
      await handle.read(slots, 0, DATA_START, 0);
      const header = pickWalHeader(slots);
      if (!header) throw new StreamStorageError(ErrorCode.WAL_INVALID, `${path} has no valid WAL header`);
      if (mode === "r+") dataFd = await openSyncedData(path, options);
      return new WalFile(path, handle, header, dataFd);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Creates a WAL of `capacity` bytes in a file or on a raw block device, zero-filled so that later writes
   * never allocate blocks (and stale bytes never look like records).
   */
  static async create(
    path: string,
    header: Omit<WalHeader, "sequence">,
    options: WalFileOptions = {},
  ): Promise<WalFile> {
    const isDevice = (await stat(path).catch(() => undefined))?.isBlockDevice() ?? false;
    const handle = await open(path, isDevice ? "r+" : "w+");
    let file: WalFile | undefined;
    try {
      const zeros = Buffer.alloc(Math.min(ZERO_CHUNK, header.capacity));
      for (let at = 0; at < header.capacity; at += zeros.length) {
        await handle.write(zeros, 0, Math.min(zeros.length, header.capacity - at), at);
      }
      file = new WalFile(path, handle, { ...header, sequence: 0 }, await openSyncedData(path, options));
      await file.writeHeader({});
      return file;
    } catch (error) {
      if (file) await file.close();
      else await handle.close();
      throw error;
    }
  }

  /**
   * What is at `path`: nothing ("absent": create a WAL), a WAL ("wal": recover it), or something else. A raw
   * block device without a WAL header is "blank" (format it), and so is a regular file whose header slots
   * are all zeros (a block file standing in for a fresh volume: nothing was ever written there); any other
   * non-empty regular file without a header is "foreign" and never overwritten.
   */
  static async probe(path: string): Promise<"absent" | "wal" | "blank" | "foreign"> {
    const info = await stat(path).catch(() => undefined);
    if (!info || (info.isFile() && info.size === 0)) return "absent";
    const handle = await open(path, "r");
    const slots = Buffer.alloc(DATA_START);
    let read = 0;
    try {
      read = (await handle.read(slots, 0, DATA_START, 0)).bytesRead;
      if (pickWalHeader(slots)) return "wal";
    } finally {
      await handle.close();
    }
    if (info.isBlockDevice()) return "blank";
    return read === DATA_START && slots.every((byte) => byte === 0) ? "blank" : "foreign";
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

  /**
   * Writes `chunks` (`length` bytes in all) contiguously at logical offset `logical` and resolves once they are
   * durable. Several calls may be in flight at once on disjoint ranges; each is its own durability point (a
   * success says nothing about another call). The caller keeps `chunks` unchanged until it settles.
   */
  async writeDurably(logical: number, chunks: Buffer[], length: number): Promise<void> {
    this.durableWriteCount++;
    const ringAt = logical % this.dataCapacity;
    const untilEnd = this.dataCapacity - ringAt;
    if (length <= untilEnd) {
      await this.#writev(chunks, DATA_START + ringAt);
    } else {
      const [first, second] = splitChunks(chunks, untilEnd);
      await this.#writev(first, DATA_START + ringAt);
      await this.#writev(second, DATA_START);
    }
    if (this.durability === "fdatasync") await this.#sync();
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
    const fd = this.#syncedFd;
    this.#syncedFd = -1;
    if (fd >= 0) await new Promise<void>((resolve) => closeFd(fd, () => resolve()));
    await this.#handle.close();
  }

  #sync(): Promise<void> {
    this.syncCount++;
    return new Promise((resolve, reject) => {
      fdatasync(this.#handle.fd, (error) => (error ? reject(error) : resolve()));
    });
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
      const fd = this.durability === "o_dsync" ? this.#syncedFd : this.#handle.fd;
      writev(fd, chunks, position, (error, written) => (error ? reject(error) : resolve(written)));
    });
  }
}

/** The O_DSYNC data descriptor, or undefined (fallback to write + fdatasync) where O_DSYNC is refused. */
async function openSyncedData(path: string, options: WalFileOptions): Promise<number | undefined> {
  const opener = options.openDataDescriptor ?? openDescriptor;
  try {
    return await opener(path, constants.O_RDWR | constants.O_DSYNC);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EINVAL") return undefined;
    throw error;
  }
}

function openDescriptor(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => {
    openFd(path, flags, (error, fd) => (error ? reject(error) : resolve(fd)));
  });
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
