import { ProtocolError } from "../errors.ts";
import { Reader } from "../wire/reader.ts";
import { defaultValue } from "./defaults.ts";
import type { FieldSpec, PrimitiveType, UnknownTaggedField } from "./types.ts";
import { inVersions } from "./versions.ts";

// Compiles (fields, version) into a closure that reads one struct. Compilation walks the
// schema once per version; decoding then runs straight-line closures with no version checks.

export type ReadFn = (r: Reader) => unknown;
export type StructReader = (r: Reader) => Record<string, unknown>;

function nullNotAllowed(r: Reader, what: string): never {
  throw new ProtocolError("INVALID_LENGTH", `null ${what} at offset ${r.pos} in a non-nullable field`);
}

function primitiveReader(type: PrimitiveType, flexible: boolean, nullable: boolean): ReadFn {
  switch (type) {
    case "int8":
      return (r) => r.int8();
    case "int16":
      return (r) => r.int16();
    case "uint16":
      return (r) => r.uint16();
    case "int32":
      return (r) => r.int32();
    case "int64":
      return (r) => r.int64();
    case "float64":
      return (r) => r.float64();
    case "bool":
      return (r) => r.bool();
    case "uuid":
      return (r) => r.uuid();
    case "string":
      return flexible
        ? (r) => {
            const n = r.uvarint();
            if (n === 0) return nullable ? null : nullNotAllowed(r, "string");
            return r.utf8(n - 1);
          }
        : (r) => {
            const n = r.int16();
            if (n === -1) return nullable ? null : nullNotAllowed(r, "string");
            return r.utf8(n);
          };
    case "bytes":
    case "records":
      return flexible
        ? (r) => {
            const n = r.uvarint();
            if (n === 0) return nullable ? null : nullNotAllowed(r, "bytes");
            return r.slice(n - 1);
          }
        : (r) => {
            const n = r.int32();
            if (n === -1) return nullable ? null : nullNotAllowed(r, "bytes");
            return r.slice(n);
          };
  }
}

/**
 * The fewest bytes one value of a field can take at a version. An array count times its
 * element's minimum must fit in what remains, so a lying count fails before we allocate.
 */
export function minEncodedSize(field: FieldSpec, version: number, flexible: boolean): number {
  const type = field.type;
  if (type === "[]" || type.startsWith("[]")) return flexible ? 1 : 4;
  if (type === "{}") {
    return inVersions(field.nullableVersions, version)
      ? 1
      : minStructSize(field.fields ?? [], version, flexible);
  }
  return primitiveMinSize(type as PrimitiveType, flexible);
}

function primitiveMinSize(type: PrimitiveType, flexible: boolean): number {
  switch (type) {
    case "int8":
    case "bool":
      return 1;
    case "int16":
    case "uint16":
      return 2;
    case "int32":
      return 4;
    case "int64":
    case "float64":
      return 8;
    case "uuid":
      return 16;
    case "string":
      return flexible ? 1 : 2;
    case "bytes":
    case "records":
      return flexible ? 1 : 4;
  }
}

export function minStructSize(fields: readonly FieldSpec[], version: number, flexible: boolean): number {
  let size = flexible ? 1 : 0; // the tagged-fields count
  for (const field of fields) {
    const isTagged = flexible && field.tag !== undefined && inVersions(field.taggedVersions, version);
    if (!isTagged && inVersions(field.versions, version)) size += minEncodedSize(field, version, flexible);
  }
  return size;
}

function arrayReader(element: ReadFn, elementMinSize: number, flexible: boolean, nullable: boolean): ReadFn {
  const minSize = Math.max(1, elementMinSize);
  return (r) => {
    let n: number;
    if (flexible) {
      n = r.uvarint() - 1;
    } else {
      n = r.int32();
    }
    if (n === -1) return nullable ? null : nullNotAllowed(r, "array");
    r.count(n, minSize);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = element(r);
    return out;
  };
}

/** The reader of one field's value at one version (ignores tagging: the caller frames tagged values). */
export function fieldValueReader(field: FieldSpec, version: number, flexible: boolean): ReadFn {
  const nullable = inVersions(field.nullableVersions, version);
  if (field.type === "[]") {
    const fields = field.fields ?? [];
    const element = compileStructReader(fields, version, flexible);
    return arrayReader(element, minStructSize(fields, version, flexible), flexible, nullable);
  }
  if (field.type === "{}") {
    const read = compileStructReader(field.fields ?? [], version, flexible);
    return nullable ? (r) => (r.int8() < 0 ? null : read(r)) : read;
  }
  if (field.type.startsWith("[]")) {
    const type = field.type.slice(2) as PrimitiveType;
    return arrayReader(
      primitiveReader(type, flexible, false),
      primitiveMinSize(type, flexible),
      flexible,
      nullable,
    );
  }
  return primitiveReader(field.type as PrimitiveType, flexible, nullable);
}

interface Step {
  name: string;
  read: ReadFn | null;
  field: FieldSpec;
}

export function compileStructReader(
  fields: readonly FieldSpec[],
  version: number,
  flexible: boolean,
): StructReader {
  const steps: Step[] = [];
  const tagged = new Map<number, { name: string; read: ReadFn }>();
  for (const field of fields) {
    const isTagged = flexible && field.tag !== undefined && inVersions(field.taggedVersions, version);
    if (isTagged) {
      tagged.set(field.tag!, { name: field.name, read: fieldValueReader(field, version, flexible) });
      steps.push({ name: field.name, read: null, field });
    } else if (inVersions(field.versions, version)) {
      steps.push({ name: field.name, read: fieldValueReader(field, version, flexible), field });
    } else {
      steps.push({ name: field.name, read: null, field });
    }
  }
  return (r) => {
    const out: Record<string, unknown> = {};
    for (const step of steps) {
      out[step.name] = step.read === null ? defaultValue(step.field) : step.read(r);
    }
    if (flexible) readTaggedFields(r, out, tagged);
    return out;
  };
}

/** Reads a tagged-fields section into `out`; unknown tags are kept as raw slices. */
export function readTaggedFields(
  r: Reader,
  out: Record<string, unknown>,
  known: ReadonlyMap<number, { name: string; read: ReadFn }>,
): void {
  const count = r.count(r.uvarint());
  let unknown: UnknownTaggedField[] | undefined;
  let lastTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= lastTag) {
      throw new ProtocolError("INVALID_LENGTH", `tagged field ${tag} out of order at offset ${r.pos}`);
    }
    lastTag = tag;
    const size = r.uvarint();
    const data = r.slice(size);
    const field = known.get(tag);
    if (field === undefined) {
      unknown ??= [];
      unknown.push({ tag, data });
      continue;
    }
    const sub = new Reader(data);
    out[field.name] = field.read(sub);
    if (sub.remaining() !== 0) {
      throw new ProtocolError("INVALID_LENGTH", `tagged field ${tag} has ${sub.remaining()} unread bytes`);
    }
  }
  if (unknown !== undefined) out.unknownTaggedFields = unknown;
}
