import type { FieldSpec } from "./types.ts";

// Default values of fields, as Kafka's generated code has them: a field absent from a
// version decodes to its default, and a tagged field equal to its default is not written.

export const zeroUuid = "00000000000000000000000000000000";
const emptyBuffer = Buffer.alloc(0);

/** A fresh default value for a field (arrays and structs are new objects each call). */
export function defaultValue(field: FieldSpec): unknown {
  const d = field.default;
  if (d === null) return null;
  switch (field.type) {
    case "[]":
      return [];
    case "{}":
      return defaultStruct(field.fields ?? []);
    case "int64":
      return d === undefined ? 0n : BigInt(d);
    case "int8":
    case "int16":
    case "uint16":
    case "int32":
    case "float64":
      return d === undefined ? 0 : Number(d);
    case "bool":
      return d === undefined ? false : d === true || d === "true";
    case "string":
      return d === undefined ? "" : String(d);
    case "uuid":
      return zeroUuid;
    case "bytes":
      return emptyBuffer;
    case "records":
      // Kafka's generated code defaults records to null where they may be null
      return field.nullableVersions !== undefined ? null : emptyBuffer;
    default:
      return [];
  }
}

export function defaultStruct(fields: readonly FieldSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = defaultValue(f);
  return out;
}

/** Whether a value equals the field's default (decides whether a tagged field is written). */
export function isDefaultValue(field: FieldSpec, value: unknown): boolean {
  if (value === undefined) return true;
  const d = defaultValue(field);
  if (value === null || d === null) return value === d;
  switch (field.type) {
    case "[]":
      return Array.isArray(value) && value.length === 0;
    case "{}": {
      const v = value as Record<string, unknown>;
      if (v.unknownTaggedFields !== undefined && v.unknownTaggedFields !== null) return false;
      return (field.fields ?? []).every((f) => isDefaultValue(f, v[f.name]));
    }
    case "bytes":
      return Buffer.isBuffer(value) && value.length === 0;
    case "records":
      // a records value may also be a list of chunks (RecordsChunks): empty when every chunk is
      if (Array.isArray(value)) return value.every((chunk: Uint8Array) => chunk.length === 0);
      return Buffer.isBuffer(value) && value.length === 0;
    default:
      if (field.type.startsWith("[]")) return Array.isArray(value) && value.length === 0;
      return value === d;
  }
}
