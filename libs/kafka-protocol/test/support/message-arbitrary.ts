import fc from "fast-check";
import { defaultValue } from "../../src/schema/defaults.ts";
import type { FieldSpec, MessageSpec, PrimitiveType } from "../../src/schema/types.ts";
import { inVersions } from "../../src/schema/versions.ts";

// Random VALID messages for a (spec, version): fields present in the version get random
// values (null only where the version allows it); absent fields hold their default, which
// is exactly what decoding yields, so `decode(encode(m))` must deep-equal `m`.

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const shortString = fc.string({ maxLength: 12, unit: "binary" });
const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString("hex"));

function primitive(type: PrimitiveType): fc.Arbitrary<unknown> {
  switch (type) {
    case "int8":
      return fc.integer({ min: -128, max: 127 });
    case "int16":
      return fc.integer({ min: -32768, max: 32767 });
    case "uint16":
      return fc.integer({ min: 0, max: 65535 });
    case "int32":
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case "int64":
      return int64;
    case "float64":
      return fc.double({ noNaN: true });
    case "bool":
      return fc.boolean();
    case "string":
      return shortString;
    case "bytes":
    case "records":
      return bytes;
    case "uuid":
      return uuid;
  }
}

function fieldArbitrary(field: FieldSpec, version: number, depth: number): fc.Arbitrary<unknown> {
  let base: fc.Arbitrary<unknown>;
  const maxLength = depth > 1 ? 2 : 3;
  if (field.type === "[]") {
    base = fc.array(structArbitrary(field.fields ?? [], version, depth + 1), { maxLength });
  } else if (field.type === "{}") {
    base = structArbitrary(field.fields ?? [], version, depth + 1);
  } else if (field.type.startsWith("[]")) {
    base = fc.array(primitive(field.type.slice(2) as PrimitiveType), { maxLength: 4 });
  } else {
    base = primitive(field.type as PrimitiveType);
  }
  return inVersions(field.nullableVersions, version) ? fc.option(base, { nil: null, freq: 4 }) : base;
}

export function structArbitrary(
  fields: readonly FieldSpec[],
  version: number,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) {
    record[field.name] = inVersions(field.versions, version)
      ? fieldArbitrary(field, version, depth)
      : fc.constant(null).map(() => defaultValue(field));
  }
  return fc.record(record).map((r) => ({ ...r })) as fc.Arbitrary<Record<string, unknown>>;
}

export function messageArbitrary(spec: MessageSpec, version: number): fc.Arbitrary<Record<string, unknown>> {
  return structArbitrary(spec.fields, version);
}
