import { NormalizedSchema } from "@smithy/core/schema";

/** An SDK v3 command: `schema` is the operation schema compiled from the service's Smithy model. */
interface ModelledCommand {
  readonly input: unknown;
  readonly schema?: unknown;
}

type SchemaArray = readonly unknown[];

/**
 * Number of leading members a structure requires: the last slot of a compiled structure schema
 * `[3, namespace, name, traits, memberNames, memberSchemas, requiredCount?]`.
 */
function requiredCount(struct: NormalizedSchema): number {
  const raw = struct.getSchema() as unknown;
  const count = Array.isArray(raw) ? (raw as SchemaArray)[6] : undefined;
  return typeof count === "number" ? count : 0;
}

function walk(schema: NormalizedSchema, value: unknown, path: string, out: string[]): void {
  if (value === undefined || value === null) return;
  if (schema.isStructSchema()) {
    if (typeof value !== "object" || Array.isArray(value)) {
      out.push(`${path}: expected a structure ${schema.getName() ?? ""}`);
      return;
    }
    const members = new Map(schema.structIterator());
    for (const key of Object.keys(value)) {
      const member = members.get(key);
      if (!member) out.push(`${path}.${key}: not a member of ${schema.getName()}`);
      else walk(member, (value as Record<string, unknown>)[key], `${path}.${key}`, out);
    }
    const names = [...members.keys()];
    for (const name of names.slice(0, requiredCount(schema))) {
      if ((value as Record<string, unknown>)[name] === undefined) out.push(`${path}.${name}: required`);
    }
  } else if (schema.isListSchema()) {
    if (!Array.isArray(value)) out.push(`${path}: expected a list`);
    else for (const [i, v] of value.entries()) walk(schema.getValueSchema(), v, `${path}[${i}]`, out);
  } else if (schema.isMapSchema()) {
    if (typeof value !== "object") out.push(`${path}: expected a map`);
    else for (const [k, v] of Object.entries(value)) walk(schema.getValueSchema(), v, `${path}.${k}`, out);
  } else if (schema.isStringSchema()) {
    if (typeof value !== "string") out.push(`${path}: expected a string, got ${typeof value}`);
  } else if (schema.isBooleanSchema()) {
    if (typeof value !== "boolean") out.push(`${path}: expected a boolean, got ${typeof value}`);
  } else if (schema.isNumericSchema()) {
    if (typeof value !== "number") out.push(`${path}: expected a number, got ${typeof value}`);
  } else if (schema.isTimestampSchema()) {
    if (!(value instanceof Date) && typeof value !== "number" && typeof value !== "string")
      out.push(`${path}: expected a timestamp`);
  }
}

/**
 * Where a command's input departs from the service model shipped in the AWS SDK package (members the
 * model does not define, at any depth; required members missing; wrong primitive types). Empty when
 * the input is one the real service would accept in shape.
 */
export function modelViolations(command: ModelledCommand): string[] {
  const operation = command.schema as SchemaArray | undefined;
  if (!Array.isArray(operation)) throw new Error("this AWS SDK build ships no operation schema");
  const inputSchema = NormalizedSchema.of(
    (typeof operation[4] === "function" ? (operation[4] as () => unknown)() : operation[4]) as never,
  );
  const out: string[] = [];
  walk(inputSchema, command.input, String(operation[2]), out);
  return out;
}
