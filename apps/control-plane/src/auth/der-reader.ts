// A reader of ASN.1 BER/DER (X.690), only as much as a PKCS#7 signature needs: tag, length (definite, and
// the indefinite form BER signers such as Java's stream with), children of a constructed value, object
// identifiers and octet strings (also the constructed, chunked form). Every read is bounded by the buffer:
// a truncated or malformed value throws a DerError, never reads past the end.

export class DerError extends Error {}

export interface DerNode {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  readonly constructed: boolean;
  /** The whole value: identifier, length and contents (for indefinite lengths, up to the end-of-contents). */
  readonly raw: Buffer;
  /** The contents octets (for indefinite lengths: without the end-of-contents octets). */
  readonly contents: Buffer;
  /** Whether the length was given in the definite form. */
  readonly definite: boolean;
}

export const DerTag = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0], constructed: EXPLICIT content or an IMPLICIT SET (signedAttrs, certificates). */
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

/** How deep indefinite-length values may nest (PKCS#7 needs about 6): deeper input is refused, not recursed. */
const MAX_DEPTH = 32;

/** Reads the value starting at `offset`; `end` bounds it (the enclosing value's end). */
export function readNode(buffer: Buffer, offset = 0, end = buffer.length, depth = 0): DerNode {
  if (depth > MAX_DEPTH) throw new DerError("values nested too deeply");
  if (offset + 2 > end) throw new DerError("truncated value");
  const tag = buffer[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used by PKCS#7");
  const constructed = (tag & 0x20) !== 0;
  let at = offset + 1;
  const first = buffer[at++]!;
  if (first === 0x80) {
    if (!constructed) throw new DerError("indefinite length on a primitive value");
    let cursor = at;
    for (;;) {
      if (cursor + 2 > end) throw new DerError("indefinite length without end-of-contents");
      if (buffer[cursor] === 0 && buffer[cursor + 1] === 0) break;
      cursor += readNode(buffer, cursor, end, depth + 1).raw.length;
    }
    return {
      tag,
      constructed,
      raw: buffer.subarray(offset, cursor + 2),
      contents: buffer.subarray(at, cursor),
      definite: false,
    };
  }
  let length = first;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets > 4) throw new DerError("length too large");
    if (at + octets > end) throw new DerError("truncated length");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buffer[at++]!;
  }
  if (at + length > end) throw new DerError("value longer than what holds it");
  return {
    tag,
    constructed,
    raw: buffer.subarray(offset, at + length),
    contents: buffer.subarray(at, at + length),
    definite: true,
  };
}

/** The values inside a constructed one, in order. */
export function childrenOf(node: DerNode): DerNode[] {
  if (!node.constructed) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let at = 0; at < node.contents.length; ) {
    const child = readNode(node.contents, at);
    out.push(child);
    at += child.raw.length;
  }
  return out;
}

/** The node, checked to carry `tag`. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag)
    throw new DerError(
      `${what}: expected tag 0x${tag.toString(16)}, got ${node ? `0x${node.tag.toString(16)}` : "nothing"}`,
    );
  return node;
}

/** An OBJECT IDENTIFIER in dotted form. */
export function oidOf(node: DerNode): string {
  expectTag(node, DerTag.OID, "object identifier");
  const bytes = node.contents;
  if (bytes.length === 0) throw new DerError("empty object identifier");
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}

/**
 * The octets of an OCTET STRING, primitive or constructed (BER chunks, concatenated). Chunks of chunks nest at
 * most MAX_DEPTH deep: deeper input is refused, not recursed.
 */
export function octetsOf(node: DerNode, depth = 0): Buffer {
  if (depth > MAX_DEPTH) throw new DerError("values nested too deeply");
  if (node.tag === DerTag.OCTET_STRING) return node.contents;
  if (node.tag === (DerTag.OCTET_STRING | 0x20))
    return Buffer.concat(childrenOf(node).map((chunk) => octetsOf(chunk, depth + 1)));
  throw new DerError(`expected an OCTET STRING, got tag 0x${node.tag.toString(16)}`);
}
