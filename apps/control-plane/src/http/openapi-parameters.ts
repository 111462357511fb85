/** The parts of a route schema that become OpenAPI parameters named one by one. */
const PARAMETER_PARTS = ["querystring", "headers"] as const;

interface ObjectSchema {
  properties?: Record<string, { default?: unknown }>;
  required?: string[];
}

/**
 * A query (or header) parameter with a `default` may be left out: the validator fills the default in
 * before checking (http/typebox.ts). The TypeBox schema still lists it as required, so that the handler's
 * type has no `undefined`; for the document, which describes what a client must send, such a parameter is
 * optional. @fastify/swagger takes `required: true` from the object's `required` list, so this drops the
 * defaulted names from a copy of that list (the route's own schema, which validates, is left alone).
 */
export function documentDefaultsAsOptional<S>(schema: S): S {
  if (!schema || typeof schema !== "object") return schema;
  let copy: Record<string, unknown> | undefined;
  for (const part of PARAMETER_PARTS) {
    const object = (schema as Record<string, ObjectSchema | undefined>)[part];
    if (!object?.required || !object.properties) continue;
    const required = object.required.filter((name) => object.properties?.[name]?.default === undefined);
    if (required.length === object.required.length) continue;
    copy ??= { ...(schema as Record<string, unknown>) };
    copy[part] = { ...object, required };
  }
  return (copy as S | undefined) ?? schema;
}
