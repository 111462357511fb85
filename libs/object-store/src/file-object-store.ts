// file://: one file per object under a root folder. Writes go to a temporary file that is synced and then
// renamed over the key, so a reader (or a crash) never sees a partial object.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";
import {
  type ByteRange,
  emptyRequestCounts,
  type ObjectInfo,
  type ObjectStore,
  type RequestCounts,
} from "./object-store.ts";
import { assertValidKey, assertValidPrefix, bodyChunks, resolveRange } from "./validation.ts";

const TEMP_MARK = ".tmp-";

export interface FileObjectStoreOptions {
  /** fsync each object before it becomes visible (default true: object storage is durable storage). */
  fsync?: boolean;
}

export class FileObjectStore implements ObjectStore {
  readonly uri: string;
  readonly #root: string;
  readonly #fsync: boolean;
  readonly #counts = emptyRequestCounts();
  #closed = false;

  constructor(root: string, options: FileObjectStoreOptions = {}) {
    this.#root = root;
    this.uri = `file://${root}`;
    this.#fsync = options.fsync ?? true;
  }

  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.#check();
    assertValidKey(key);
    this.#counts.PUT++;
    const path = this.#path(key);
    const temp = `${path}${TEMP_MARK}${randomBytes(6).toString("hex")}`;
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temp, "w");
    try {
      const chunks = bodyChunks(body);
      // writev in slices: one syscall per few hundred chunks, no concatenation copy.
      for (let i = 0; i < chunks.length; i += 512) await handle.writev(chunks.slice(i, i + 512) as Buffer[]);
      if (this.#fsync) await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw new ObjectStoreError(ObjectStoreErrorCode.UNAVAILABLE, `put ${key} failed`, { cause: error });
    }
    await handle.close();
    await rename(temp, path);
    // The rename itself must survive a crash too: sync the folder entry.
    if (this.#fsync) await syncFolder(dirname(path));
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    this.#check();
    assertValidKey(key);
    this.#counts.GET++;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.#path(key), "r");
    } catch (error) {
      throw mapFsError(key, error);
    }
    try {
      const { size } = await handle.stat();
      const { start, end } = resolveRange(key, range, size);
      const data = Buffer.allocUnsafe(end - start);
      let filled = 0;
      while (filled < data.length) {
        const { bytesRead } = await handle.read(data, filled, data.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === data.length ? data : data.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.#check();
    assertValidKey(key);
    this.#counts.HEAD++;
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { key, size: info.size } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw mapFsError(key, error);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#check();
    for (const key of keys) assertValidKey(key);
    if (keys.length === 0) return;
    this.#counts.DELETE++;
    await Promise.all(keys.map((key) => rm(this.#path(key), { force: true })));
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.#check();
    assertValidPrefix(prefix);
    this.#counts.LIST++;
    // Only walk the folder the prefix points into.
    const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const result: ObjectInfo[] = [];
    let entries: string[];
    try {
      entries = await readdir(join(this.#root, folder), { recursive: true });
    } catch (error) {
      if (isNotFound(error)) return [];
      throw mapFsError(prefix, error);
    }
    for (const entry of entries) {
      const key = relative(this.#root, join(this.#root, folder, entry))
        .split(sep)
        .join("/");
      if (!key.startsWith(prefix) || key.includes(TEMP_MARK)) continue;
      const info = await stat(join(this.#root, key)).catch(() => undefined);
      if (info?.isFile()) result.push({ key, size: info.size });
    }
    return result.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #path(key: string): string {
    return join(this.#root, ...key.split("/"));
  }

  #check(): void {
    if (this.#closed) throw new ObjectStoreError(ObjectStoreErrorCode.CLOSED, `${this.uri} is closed`);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function mapFsError(key: string, error: unknown): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  if (isNotFound(error)) {
    return new ObjectStoreError(ObjectStoreErrorCode.OBJECT_NOT_FOUND, `${key} not found`, { cause: error });
  }
  if ((error as NodeJS.ErrnoException | undefined)?.code === "EISDIR") {
    return new ObjectStoreError(ObjectStoreErrorCode.OBJECT_NOT_FOUND, `${key} is a folder`, {
      cause: error,
    });
  }
  return new ObjectStoreError(ObjectStoreErrorCode.UNAVAILABLE, `file store failed on ${key}`, {
    cause: error,
  });
}
