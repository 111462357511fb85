import { readTaggedFields } from "./schema/compile-reader.ts";
import type { UnknownTaggedField } from "./schema/types.ts";
import type { Reader } from "./wire/reader.ts";
import type { Writer } from "./wire/writer.ts";

// Request header v1: api_key int16, api_version int16, correlation_id int32, client_id
// nullable string (always the int16-length form, even in v2). v2 (flexible requests) adds a
// tagged-fields section. Response header v0 is the correlation id; v1 (flexible responses,
// except ApiVersions which always uses v0 so old clients can read it) adds tagged fields.

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Present only when a v2 header carried tagged fields. */
  unknownTaggedFields?: UnknownTaggedField[];
}

export interface ResponseHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

const noTags = new Map<number, { name: string; read: (r: Reader) => unknown }>();

/** Reads the fixed part of a request header (everything but its tagged fields). */
export function readRequestHeaderFixed(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const n = r.int16();
  const clientId = n === -1 ? null : r.utf8(n);
  return { apiKey, apiVersion, correlationId, clientId };
}

export function readHeaderTaggedFields(r: Reader, header: RequestHeader): void {
  readTaggedFields(r, header as unknown as Record<string, unknown>, noTags);
}

/** Reads a tagged-fields section none of whose tags are known (response header v1). */
export function readTaggedFieldsOf(r: Reader): UnknownTaggedField[] {
  const out: Record<string, unknown> = {};
  readTaggedFields(r, out, noTags);
  return (out.unknownTaggedFields as UnknownTaggedField[] | undefined) ?? [];
}

export function writeRequestHeader(w: Writer, header: RequestHeader, flexible: boolean): void {
  w.int16(header.apiKey);
  w.int16(header.apiVersion);
  w.int32(header.correlationId);
  if (header.clientId === null) {
    w.int16(-1);
  } else {
    const len = Buffer.byteLength(header.clientId, "utf8");
    w.int16(len);
    w.utf8(header.clientId, len);
  }
  if (flexible) writeRawTaggedFields(w, header.unknownTaggedFields ?? []);
}

export function writeRawTaggedFields(w: Writer, fields: readonly UnknownTaggedField[]): void {
  w.uvarint(fields.length);
  for (const f of fields) {
    w.uvarint(f.tag);
    w.uvarint(f.data.length);
    w.bytes(f.data);
  }
}

/** Whether the response header for this API/version is v1 (has tagged fields). */
export function responseHeaderIsFlexible(apiKey: number, bodyFlexible: boolean): boolean {
  return bodyFlexible && apiKey !== 18;
}
