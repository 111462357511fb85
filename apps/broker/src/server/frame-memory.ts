// Memory for request frames, recycled. A frame that spans socket reads is assembled into new memory, and a
// Produce frame's batches then stay referenced (WAL write, log cache until upload) for seconds. Fresh memory
// for every byte ingested costs the kernel a page fault and a page of zeroing per 4 KiB; on a VM that was
// the largest cost of the produce path (~40,000 faults/s at 135 MiB/s, a third of the main thread in
// frame-assembly copies). Here frames are cut from slabs whose pages are reused instead.
//
// Safety comes from the garbage collector, not from bookkeeping: a slab's memory is held by a keeper
// SharedArrayBuffer, and frames are views of an alias of it (structuredClone of a SharedArrayBuffer shares
// its memory). The alias is referenced by every view of every frame cut from the slab, whoever made the
// view (subarray, the log cache, a fetch response queued on a socket, a write in flight in libuv). Only once
// the alias itself is collected, so that no view of that memory is left anywhere, does the keeper take new
// frames again. A view kept for long just keeps its slab out of the pool.
export interface FrameMemoryStats {
  /** Slabs allocated (fresh memory). */
  slabsCreated: number;
  /** Slabs handed out again after every view of their previous use was collected. */
  slabsReused: number;
  /** Slabs waiting in the pool. */
  idleSlabs: number;
}

export interface FrameMemoryOptions {
  /** Size of one slab; frames above a quarter of it get memory of their own (default 8 MiB). */
  slabBytes?: number;
  /** Idle slabs kept for reuse at most, in bytes; past it a returned slab is let go (default 256 MiB). */
  maxIdleBytes: number;
}

const DEFAULT_SLAB_BYTES = 8 * 1024 * 1024;
/** Frames start on 8-byte boundaries (aligned reads of their int64 fields). */
const ALIGN = 8;

interface Slab {
  readonly view: Buffer;
  used: number;
}

export class FrameMemory {
  readonly #slabBytes: number;
  readonly #maxIdleSlabs: number;
  readonly #idle: SharedArrayBuffer[] = [];
  readonly #returned = new FinalizationRegistry<SharedArrayBuffer>((keeper) => this.#takeBack(keeper));
  #current: Slab | undefined;
  #created = 0;
  #reused = 0;

  constructor(options: FrameMemoryOptions) {
    this.#slabBytes = options.slabBytes ?? DEFAULT_SLAB_BYTES;
    this.#maxIdleSlabs = Math.floor(options.maxIdleBytes / this.#slabBytes);
  }

  get stats(): FrameMemoryStats {
    return { slabsCreated: this.#created, slabsReused: this.#reused, idleSlabs: this.#idle.length };
  }

  /** `size` bytes of uninitialised memory for one frame. */
  allocate(size: number): Buffer {
    if (this.#maxIdleSlabs === 0 || size > this.#slabBytes / 4) return Buffer.allocUnsafe(size);
    let slab = this.#current;
    if (slab === undefined || slab.used + size > slab.view.length) {
      slab = this.#nextSlab();
      this.#current = slab;
    }
    const frame = slab.view.subarray(slab.used, slab.used + size);
    slab.used += Math.ceil(size / ALIGN) * ALIGN;
    return frame;
  }

  #nextSlab(): Slab {
    let keeper = this.#idle.pop();
    if (keeper === undefined) {
      keeper = new SharedArrayBuffer(this.#slabBytes);
      this.#created++;
    } else {
      this.#reused++;
    }
    const alias = structuredClone(keeper);
    this.#returned.register(alias, keeper);
    return { view: Buffer.from(alias), used: 0 };
  }

  /** The alias of `keeper` was collected: nothing can see its memory any more. */
  #takeBack(keeper: SharedArrayBuffer): void {
    if (this.#idle.length < this.#maxIdleSlabs) this.#idle.push(keeper);
  }
}
