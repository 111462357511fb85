import { ProtocolError } from "../errors.ts";
import { Writer } from "../wire/writer.ts";
import { defaultValue, isDefaultValue } from "./defaults.ts";
import type { FieldSpec, PrimitiveType, UnknownTaggedField } from "./types.ts";
import { inVersions } from "./versions.ts";

// Compiles (fields, version) into a closure that writes one struct: the mirror of
// compile-reader.ts. `undefined` values are written as the field's default; `null` where
// the version does not allow it is an INVALID_VALUE error.

export type WriteFn = (w: Writer, value: unknown) => void;
export type StructWriter = (w: Writer, value: Record<string, unknown>) => void;

function nullNotAllowed(what: string): never {
  throw new ProtocolError("INVALID_VALUE", `${what} is null but not nullable in this version`);
}

function stringWriter(flexible: boolean, nullable: boolean, name: string): WriteFn {
  return (w, value) => {
    if (value === null) {
      if (!nullable) nullNotAllowed(name);
      if (flexible) w.uvarint(0);
      else w.int16(-1);
      return;
    }
    const s = value as string;
    const len = Buffer.byteLength(s, "utf8");
    if (flexible) {
      w.uvarint(len + 1);
    } else {
      if (len > 0x7fff) throw new ProtocolError("INVALID_VALUE", `${name} is ${len} bytes, over 32767`);
      w.int16(len);
    }
    w.utf8(s, len);
  };
}

function bytesWriter(flexible: boolean, nullable: boolean, name: string): WriteFn {
  return (w, value) => {
    if (value === null) {
      if (!nullable) nullNotAllowed(name);
      if (flexible) w.uvarint(0);
      else w.int32(-1);
      return;
    }
    const b = value as Uint8Array;
    if (flexible) w.uvarint(b.length + 1);
    else w.int32(b.length);
    w.bytes(b);
  };
}

// The largest length a non-flexible (int32) prefix can hold.
const maxInt32Length = 0x7fffffff;

/**
 * A records field: one Buffer (as bytesWriter), or a list of chunks whose total length is the prefix and
 * whose bytes follow it back to back. The Writer references chunks of refThreshold bytes or more instead of
 * copying them, so a Fetch response can carry stored record batches straight to writev.
 */
function recordsWriter(flexible: boolean, nullable: boolean, name: string): WriteFn {
  const single = bytesWriter(flexible, nullable, name);
  return (w, value) => {
    if (!Array.isArray(value)) {
      single(w, value);
      return;
    }
    let length = 0;
    for (const chunk of value) {
      if (!(chunk instanceof Uint8Array)) {
        throw new ProtocolError("INVALID_VALUE", `${name} chunks must be Buffers`);
      }
      length += chunk.length;
    }
    if (length > maxInt32Length - 1) {
      throw new ProtocolError("INVALID_VALUE", `${name} is ${length} bytes, over the int32 length limit`);
    }
    if (flexible) w.uvarint(length + 1);
    else w.int32(length);
    for (const chunk of value as readonly Uint8Array[]) w.bytes(chunk);
  };
}

function primitiveWriter(type: PrimitiveType, flexible: boolean, nullable: boolean, name: string): WriteFn {
  switch (type) {
    case "int8":
      return (w, v) => w.int8(v as number);
    case "int16":
      return (w, v) => w.int16(v as number);
    case "uint16":
      return (w, v) => w.uint16(v as number);
    case "int32":
      return (w, v) => w.int32(v as number);
    case "int64":
      return (w, v) => w.int64(v as bigint);
    case "float64":
      return (w, v) => w.float64(v as number);
    case "bool":
      return (w, v) => w.bool(v as boolean);
    case "uuid":
      return (w, v) => w.uuid(v as string);
    case "string":
      return stringWriter(flexible, nullable, name);
    case "bytes":
      return bytesWriter(flexible, nullable, name);
    case "records":
      return recordsWriter(flexible, nullable, name);
  }
}

function arrayWriter(element: WriteFn, flexible: boolean, nullable: boolean, name: string): WriteFn {
  return (w, value) => {
    if (value === null) {
      if (!nullable) nullNotAllowed(name);
      if (flexible) w.uvarint(0);
      else w.int32(-1);
      return;
    }
    if (!Array.isArray(value)) throw new ProtocolError("INVALID_VALUE", `${name} must be an array`);
    if (flexible) w.uvarint(value.length + 1);
    else w.int32(value.length);
    for (const item of value) element(w, item);
  };
}

export function fieldValueWriter(field: FieldSpec, version: number, flexible: boolean): WriteFn {
  const nullable = inVersions(field.nullableVersions, version);
  if (field.type === "[]") {
    const struct = compileStructWriter(field.fields ?? [], version, flexible);
    return arrayWriter((w, v) => struct(w, v as Record<string, unknown>), flexible, nullable, field.name);
  }
  if (field.type === "{}") {
    const struct = compileStructWriter(field.fields ?? [], version, flexible);
    if (!nullable) {
      return (w, v) => (v === null ? nullNotAllowed(field.name) : struct(w, v as Record<string, unknown>));
    }
    return (w, v) => {
      if (v === null) return w.int8(-1);
      w.int8(1);
      struct(w, v as Record<string, unknown>);
    };
  }
  if (field.type.startsWith("[]")) {
    const element = primitiveWriter(field.type.slice(2) as PrimitiveType, flexible, false, field.name);
    return arrayWriter(element, flexible, nullable, field.name);
  }
  return primitiveWriter(field.type as PrimitiveType, flexible, nullable, field.name);
}

interface Step {
  field: FieldSpec;
  write: WriteFn;
}

interface TaggedStep extends Step {
  tag: number;
}

export function compileStructWriter(
  fields: readonly FieldSpec[],
  version: number,
  flexible: boolean,
): StructWriter {
  const steps: Step[] = [];
  const tagged: TaggedStep[] = [];
  for (const field of fields) {
    const isTagged = flexible && field.tag !== undefined && inVersions(field.taggedVersions, version);
    if (isTagged) {
      tagged.push({ field, write: fieldValueWriter(field, version, flexible), tag: field.tag! });
    } else if (inVersions(field.versions, version)) {
      steps.push({ field, write: fieldValueWriter(field, version, flexible) });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  return (w, value) => {
    if (value === null || typeof value !== "object") {
      throw new ProtocolError("INVALID_VALUE", "expected an object for a struct");
    }
    for (const step of steps) {
      const v = value[step.field.name];
      step.write(w, v === undefined ? defaultValue(step.field) : v);
    }
    if (flexible) writeTaggedFields(w, value, tagged);
  };
}

function writeTaggedFields(w: Writer, value: Record<string, unknown>, tagged: readonly TaggedStep[]): void {
  const unknown = (value.unknownTaggedFields as UnknownTaggedField[] | undefined) ?? [];
  const present = tagged.filter((t) => !isDefaultValue(t.field, value[t.field.name]));
  if (present.length === 0 && unknown.length === 0) {
    w.uvarint(0);
    return;
  }
  const entries: { tag: number; write: (w: Writer) => void }[] = [];
  for (const t of present) entries.push({ tag: t.tag, write: (sub) => t.write(sub, value[t.field.name]) });
  for (const u of unknown) entries.push({ tag: u.tag, write: (sub) => sub.bytes(u.data) });
  entries.sort((a, b) => a.tag - b.tag);
  w.uvarint(entries.length);
  for (const e of entries) {
    const sub = new Writer(64);
    e.write(sub);
    w.uvarint(e.tag);
    w.uvarint(sub.length);
    w.append(sub);
  }
}
