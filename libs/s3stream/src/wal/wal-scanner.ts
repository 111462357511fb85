// Reads records forward from the WAL's trim point until the first position that does not hold a valid record
// of this generation. Reads go through a large window (few syscalls). A record is returned only if its CRC
// matches; the reason the scan stopped is reported:
// - "end": no record there (zeros, stale bytes of an earlier lap or generation);
// - "torn": a record header whose bytes fail their CRC with nothing valid after it (an interrupted last write);
// - "corrupt": a record that fails its CRC but is followed by a valid record (damage in the middle).
import { crc32 } from "../checksum.ts";
import type { RecoveryReport } from "../stream-types.ts";
import type { WalFile } from "./wal-file.ts";
import { decodeRecordHeader, RECORD_HEADER_SIZE, recordChecksum } from "./wal-record.ts";

export interface ScannedRecord {
  walOffset: number;
  /** Bytes the record takes in the WAL (header + payload). */
  size: number;
  streamId: number;
  epoch: number;
  baseOffset: number;
  count: number;
  timestamp: number;
  payloadCrc: number;
  payload: Buffer;
}

export interface ScanResult {
  records: ScannedRecord[];
  /** Logical offset just past the last valid record: where new writes may start. */
  endOffset: number;
  stop: RecoveryReport["stop"];
}

const WINDOW = 16 * 1024 * 1024;

export async function scanWal(file: WalFile): Promise<ScanResult> {
  const { trimOffset, generation } = file.header;
  const limit = trimOffset + file.dataCapacity;
  const reader = new WindowReader(file, limit);
  const records: ScannedRecord[] = [];
  let at = trimOffset;
  for (;;) {
    const check = await checkRecordAt(reader, at, generation);
    if (check.kind === "valid") {
      records.push(check.record);
      at += check.record.size;
      continue;
    }
    if (check.kind === "none") return { records, endOffset: at, stop: "end" };
    // A bad record: is there a valid one right after it (then it is damage, not a torn tail)?
    const after =
      check.claimedSize > 0 ? await checkRecordAt(reader, at + check.claimedSize, generation) : undefined;
    return { records, endOffset: at, stop: after?.kind === "valid" ? "corrupt" : "torn" };
  }
}

type Check =
  | { kind: "valid"; record: ScannedRecord }
  | { kind: "none" }
  | { kind: "bad"; claimedSize: number };

async function checkRecordAt(reader: WindowReader, at: number, generation: number): Promise<Check> {
  const headerBytes = await reader.read(at, RECORD_HEADER_SIZE);
  if (!headerBytes) return { kind: "none" };
  const header = decodeRecordHeader(headerBytes, 0);
  if (!header) return { kind: "none" };
  // Magic present but another position/generation: bytes left from an earlier lap or life of the WAL.
  if (header.walOffset !== at || header.generation !== generation) return { kind: "none" };
  const size = RECORD_HEADER_SIZE + header.payloadLength;
  const payload = await reader.read(at + RECORD_HEADER_SIZE, header.payloadLength);
  if (!payload) return { kind: "bad", claimedSize: 0 };
  const payloadCrc = crc32(payload);
  if (recordChecksum(headerBytes, payloadCrc) !== header.crc || header.count === 0) {
    return { kind: "bad", claimedSize: size };
  }
  if ([header.streamId, header.baseOffset, header.timestamp].some(Number.isNaN))
    return { kind: "bad", claimedSize: size };
  return {
    kind: "valid",
    record: {
      walOffset: at,
      size,
      streamId: header.streamId,
      epoch: header.epoch,
      baseOffset: header.baseOffset,
      count: header.count,
      timestamp: header.timestamp,
      payloadCrc,
      // A copy: the window buffer is reused.
      payload: Buffer.from(payload),
    },
  };
}

/** Serves reads of [at, at+length) below `limit` from a window re-filled by large reads of the file. */
class WindowReader {
  readonly #file: WalFile;
  readonly #limit: number;
  #start = 0;
  #window: Buffer = Buffer.alloc(0);

  constructor(file: WalFile, limit: number) {
    this.#file = file;
    this.#limit = limit;
  }

  /** The bytes, or undefined when they would reach past the limit (one ring lap from the trim point). */
  async read(at: number, length: number): Promise<Buffer | undefined> {
    if (at + length > this.#limit) return undefined;
    if (at < this.#start || at + length > this.#start + this.#window.length) {
      const size = Math.min(Math.max(WINDOW, length), this.#limit - at);
      this.#window = await this.#file.read(at, size);
      this.#start = at;
    }
    return this.#window.subarray(at - this.#start, at - this.#start + length);
  }
}
