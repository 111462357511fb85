// The schema language: a TypeScript transcription of Kafka's JSON message definitions
// (clients/src/main/resources/common/message/*.json). Field names are the JSON names in
// lowerCamelCase; version ranges keep the JSON spelling ("0+", "3-7", "none").
// The TS types of decoded messages are derived from the schema objects themselves, so a
// schema and its type can never disagree.

export type PrimitiveType =
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "int64"
  | "float64"
  | "bool"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

/** `[]` is an array of structs (with `fields`), `{}` a single struct, `[]int32` an array of a primitive. */
export type FieldType = PrimitiveType | `[]${PrimitiveType}` | "[]" | "{}";

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** Versions in which the field is present ("0+", "3-7"). */
  readonly versions: string;
  readonly nullableVersions?: string;
  /** Versions in which the field is a tagged field (then `tag` is set). */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** The JSON default; int64 defaults are given as numbers. Omitted: 0, "", false, empty, zero uuid. */
  readonly default?: number | string | boolean | null;
  readonly fields?: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly name: string;
  readonly apiKey: number;
  readonly type: "request" | "response";
  /** The versions this codec decodes and encodes (may be narrower than Kafka's). */
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

/** A tagged field this codec has no schema for, kept as raw bytes so re-encoding is byte-identical. */
export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}

interface PrimitiveValues {
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  int64: bigint;
  float64: number;
  bool: boolean;
  string: string;
  bytes: Buffer;
  records: Buffer;
  uuid: string;
}

interface Extras {
  /** Present only when the input carried tagged fields unknown to the schema. */
  unknownTaggedFields?: UnknownTaggedField[];
}

type BaseValue<F> = F extends { type: "[]"; fields: infer S extends readonly FieldSpec[] }
  ? StructOf<S>[]
  : F extends { type: "{}"; fields: infer S extends readonly FieldSpec[] }
    ? StructOf<S>
    : F extends { type: `[]${infer E extends PrimitiveType}` }
      ? PrimitiveValues[E][]
      : F extends { type: infer T extends PrimitiveType }
        ? PrimitiveValues[T]
        : never;

type FieldValue<F> = F extends { nullableVersions: string } ? BaseValue<F> | null : BaseValue<F>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A decoded struct: every field of every version is present (absent ones hold their default). */
export type StructOf<S extends readonly FieldSpec[]> = Simplify<
  { -readonly [F in S[number] as F["name"]]: FieldValue<F> } & Extras
>;

/**
 * What the encoder accepts for a `records` field: one Buffer, or a list of chunks written back to back
 * (the field's length is the sum of theirs). Chunks of 4 KiB or more are referenced by the encoded output,
 * not copied, so the caller must leave them unchanged until the output is written; smaller ones are copied.
 */
export type RecordsChunks = Buffer | readonly Buffer[];

type EncodableBase<F> = F extends { type: "[]"; fields: infer S extends readonly FieldSpec[] }
  ? EncodableStructOf<S>[]
  : F extends { type: "{}"; fields: infer S extends readonly FieldSpec[] }
    ? EncodableStructOf<S>
    : F extends { type: "records" }
      ? RecordsChunks
      : BaseValue<F>;

type EncodableValue<F> = F extends { nullableVersions: string } ? EncodableBase<F> | null : EncodableBase<F>;

/** A field the encoder can fill with its default: it has one, or is not in every version, or is tagged. */
type IsOptional<F> = F extends { default: unknown }
  ? true
  : F extends { tag: number }
    ? true
    : F extends { versions: "0+" }
      ? false
      : true;

/** What the encoder accepts: fields with a usable default may be left out. */
export type EncodableStructOf<S extends readonly FieldSpec[]> = Simplify<
  { -readonly [F in S[number] as IsOptional<F> extends true ? never : F["name"]]: EncodableValue<F> } & {
    -readonly [F in S[number] as IsOptional<F> extends true ? F["name"] : never]?: EncodableValue<F>;
  } & Extras
>;

export type MessageOf<M extends MessageSpec> = StructOf<M["fields"]>;
export type EncodableMessageOf<M extends MessageSpec> = EncodableStructOf<M["fields"]>;

/** Identity function that keeps the literal types of a message spec (for type inference). */
export function defineMessage<const M extends MessageSpec>(spec: M): M {
  return spec;
}
