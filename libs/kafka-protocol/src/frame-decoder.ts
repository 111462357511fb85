import { ProtocolError } from "./errors.ts";

// Splits a byte stream (socket chunks) into Kafka frames: a 4-byte big-endian size, then
// that many bytes. A declared size above `maxFrameBytes` is rejected as soon as the 4 size
// bytes arrive, before any of the frame is buffered, so a client cannot make the broker
// hold more than maxFrameBytes (+ one chunk) per connection.
//
// Ownership: a returned frame may be a zero-copy slice of a pushed chunk (when the frame
// lies within one chunk) or a fresh Buffer. Callers must not modify pushed chunks after
// pushing them (Node's net sockets hand out a new Buffer per 'data' event, so that holds).
// After a ProtocolError the decoder is unusable: close the connection.

export const defaultMaxFrameBytes = 100 * 1024 * 1024;

export interface FrameDecoderOptions {
  /** Largest accepted frame size (excluding the 4-byte prefix). Default 100 MiB. */
  maxFrameBytes?: number;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 while its size prefix is incomplete. */
  private expected = -1;
  private failed: ProtocolError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds one chunk; returns the frames it completed, in order (often none). Throws ProtocolError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed !== null) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 4) break;
        const size = this.peekSize();
        if (size < 0 || size > this.maxFrameBytes) {
          this.failed = new ProtocolError(
            size < 0 ? "INVALID_FRAME_SIZE" : "FRAME_TOO_LARGE",
            `frame declares ${size} bytes (max ${this.maxFrameBytes})`,
          );
          this.chunks = [];
          this.buffered = 0;
          throw this.failed;
        }
        this.take(4);
        this.expected = size;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = -1;
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Removes `n` bytes from the front (or only reads them when `peek`). Zero-copy when they lie in one chunk. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (!peek) {
        if (first.length === n) this.chunks.shift();
        else this.chunks[0] = first.subarray(n);
        this.buffered -= n;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let i = 0;
    while (copied < n) {
      const c = this.chunks[i]!;
      const want = Math.min(c.length, n - copied);
      c.copy(out, copied, 0, want);
      copied += want;
      if (!peek) {
        if (want === c.length) {
          i++;
        } else {
          this.chunks[i] = c.subarray(want);
        }
      } else {
        i++;
      }
    }
    if (!peek) {
      this.chunks.splice(0, i);
      this.buffered -= n;
    }
    return out;
  }
}
