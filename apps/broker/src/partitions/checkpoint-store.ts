// Where partition checkpoints live: small objects in the broker's object store, one per (stream, offset),
// under `checkpoints/<streamId>/<offset, 20 digits>` so that a listing comes back in offset order. The
// object store's put is atomic, so a reader sees a whole checkpoint or none; the codec's CRC catches the rest.
import type { ObjectStore } from "@cirrus/object-store";

/**
 * The seam the checkpointer writes through (ObjectStoreCheckpointStore in production; tests wrap it to fail).
 * Every method may reject (the store's own errors); callers treat a failure as "no checkpoint" and go on.
 */
export interface CheckpointStore {
  /** Offsets of the stream's stored checkpoints, ascending. */
  list(streamId: number): Promise<number[]>;
  /** The stored bytes of one checkpoint (the caller owns the buffer). */
  get(streamId: number, offset: number): Promise<Buffer>;
  /** Stores (or replaces) the checkpoint at `offset`; the buffer is only read until the promise settles. */
  put(streamId: number, offset: number, body: Buffer): Promise<void>;
  /** Deletes checkpoints; missing ones are not an error. */
  delete(streamId: number, offsets: readonly number[]): Promise<void>;
}

const PREFIX = "checkpoints";
const OFFSET_DIGITS = 20;

export function checkpointKey(streamId: number, offset: number): string {
  return `${PREFIX}/${streamId}/${String(offset).padStart(OFFSET_DIGITS, "0")}`;
}

export class ObjectStoreCheckpointStore implements CheckpointStore {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  async list(streamId: number): Promise<number[]> {
    const prefix = `${PREFIX}/${streamId}/`;
    const offsets: number[] = [];
    for (const { key } of await this.#store.list(prefix)) {
      const name = key.slice(prefix.length);
      // Anything else under the prefix (a stray upload) is not ours to read.
      if (name.length === OFFSET_DIGITS && /^\d+$/.test(name)) offsets.push(Number(name));
    }
    return offsets.sort((a, b) => a - b);
  }

  get(streamId: number, offset: number): Promise<Buffer> {
    return this.#store.get(checkpointKey(streamId, offset));
  }

  put(streamId: number, offset: number, body: Buffer): Promise<void> {
    return this.#store.put(checkpointKey(streamId, offset), body);
  }

  async delete(streamId: number, offsets: readonly number[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.#store.delete(offsets.map((o) => checkpointKey(streamId, o)));
  }
}
