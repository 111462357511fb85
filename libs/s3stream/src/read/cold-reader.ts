// Reads from object storage: asks the ObjectManager which objects hold the range, then reads them through the
// ObjectReader. Each stream's read-ahead window doubles while reads are sequential (each starting where the
// previous one ended) up to maxReadAheadBytes, and falls back to nothing on a jump. This path shares nothing
// with appends but the event loop: its I/O is all asynchronous object-store requests.
import type { ObjectReader } from "../object/object-reader.ts";
import type { ObjectManager, ObjectMetadata } from "../object-manager.ts";
import type { StreamRecord } from "../stream-types.ts";

const OBJECTS_PER_LOOKUP = 8;
const MIN_READ_AHEAD = 512 * 1024;

export class ColdReader {
  readonly #objectManager: ObjectManager;
  readonly #reader: ObjectReader;
  readonly #maxReadAhead: number;
  readonly #sequential = new Map<number, { nextOffset: number; window: number }>();

  constructor(objectManager: ObjectManager, reader: ObjectReader, maxReadAheadBytes: number) {
    this.#objectManager = objectManager;
    this.#reader = reader;
    this.#maxReadAhead = maxReadAheadBytes;
  }

  /** Records overlapping [startOffset, endOffset), whole, in order, at most maxBytes (at least one record). */
  async read(
    streamId: number,
    startOffset: number,
    endOffset: number,
    maxBytes: number,
  ): Promise<StreamRecord[]> {
    // A consumer loop served from the block cache would otherwise run on microtasks alone and starve timers
    // and WAL completions: every cold read gives the event loop a turn first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const readAhead = this.#readAhead(streamId, startOffset);
    const out: StreamRecord[] = [];
    let bytes = 0;
    let cursor = startOffset;
    while (cursor < endOffset) {
      const objects = await this.#objectManager.getObjects(streamId, cursor, endOffset, OBJECTS_PER_LOOKUP);
      if (objects.length === 0) break;
      for (const object of objects) {
        const records = await this.#reader.read(
          object.objectId,
          object.objectSize,
          streamId,
          cursor,
          endOffset,
          Math.max(1, maxBytes - bytes),
          readAhead,
        );
        for (const record of records) {
          if (record.baseOffset + record.count <= cursor) continue;
          if (record.baseOffset >= endOffset) break;
          if (record.baseOffset > cursor) return this.#done(streamId, out, cursor); // never across a hole
          if (out.length > 0 && bytes + record.payload.length > maxBytes)
            return this.#done(streamId, out, cursor);
          out.push(record);
          bytes += record.payload.length;
          cursor = record.baseOffset + record.count;
        }
        if (bytes >= maxBytes || cursor >= endOffset) return this.#done(streamId, out, cursor);
        // The reader stops at whole blocks once their (framed) size reaches the budget, which can be before this
        // object's part of the range ends. Moving on to the next object from here would skip offsets: answer with
        // what is gathered (the caller reads on from `cursor`).
        if (cursor < rangeEndIn(object, streamId, endOffset)) return this.#done(streamId, out, cursor);
      }
      if (objects.length < OBJECTS_PER_LOOKUP) break;
    }
    return this.#done(streamId, out, cursor);
  }

  forget(streamId: number): void {
    this.#sequential.delete(streamId);
  }

  #readAhead(streamId: number, startOffset: number): number {
    const state = this.#sequential.get(streamId);
    if (!state || state.nextOffset !== startOffset) {
      this.#sequential.set(streamId, { nextOffset: startOffset, window: 0 });
      return 0;
    }
    state.window = Math.min(this.#maxReadAhead, Math.max(MIN_READ_AHEAD, state.window * 2));
    return state.window;
  }

  #done(streamId: number, out: StreamRecord[], cursor: number): StreamRecord[] {
    const state = this.#sequential.get(streamId);
    if (state) state.nextOffset = cursor;
    return out;
  }
}

/** Where the object's data of `streamId` ends within the read (its range's end, at most `endOffset`). */
function rangeEndIn(object: ObjectMetadata, streamId: number, endOffset: number): number {
  let end = 0;
  for (const range of object.ranges) if (range.streamId === streamId) end = Math.max(end, range.endOffset);
  return Math.min(end, endOffset);
}
