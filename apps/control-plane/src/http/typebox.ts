import { FormatRegistry, OptionalKind, type Static, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import type { FastifySchemaCompiler, FastifyTypeProvider } from "fastify";

/** Route types from the same TypeBox schemas that validate and document them (TypeBox 0.34). */
export interface TypeBoxTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends TSchema ? Static<this["schema"]> : unknown;
  serializer: this["schema"] extends TSchema ? Static<this["schema"]> : unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has("uuid")) FormatRegistry.Set("uuid", (v) => UUID.test(v));
if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (v) => !Number.isNaN(Date.parse(v)));

export class SchemaValidationError extends Error {
  override readonly name = "SchemaValidationError";
  readonly statusCode = 400;
  readonly code = "INVALID_REQUEST";
  readonly validationPath: string;
  constructor(part: string, path: string, message: string) {
    super(`${part}${path || ""}: ${message}`);
    this.validationPath = path;
  }
}

const MISSING_BODY = "missing: this route takes a JSON body (content-type: application/json)";

/**
 * Validates with TypeBox's compiled checker. Bodies are taken as sent: a wrong type is an error,
 * never coerced, and unknown fields are refused (schemas say additionalProperties: false). Query
 * strings, params and headers arrive as strings, so they are converted to the schema's types first
 * (and get their defaults).
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema);
  const part = httpPart ?? "body";
  return (input: unknown) => {
    // No body at all is worth saying as such: none sent (Fastify passes null), an empty one (undefined,
    // see json-body-parser.ts) or a JSON null.
    if (part === "body" && (input === undefined || input === null)) {
      // A body schema wrapped in Type.Optional: the body may be left out (e.g. POST …/rebalance).
      if (OptionalKind in schema) return { value: undefined };
      return { error: new SchemaValidationError("body", "", MISSING_BODY) };
    }
    let value = input;
    // Bodies get no defaults either (the hot commit path stays a single compiled check); routes
    // apply body defaults themselves, the schema's `default` documents them.
    if (part !== "body") value = Value.Convert(schema, Value.Default(schema, Value.Clone(input)));
    if (checker.Check(value)) return { value };
    const first = checker.Errors(value).First();
    return { error: new SchemaValidationError(part, first?.path ?? "", first?.message ?? "invalid") };
  };
};
