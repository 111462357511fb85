import { OptionalKind } from "@sinclair/typebox";

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

/**
 * A body schema wrapped in Type.Optional may be left out (http/typebox.ts lets it). @fastify/swagger marks
 * every request body required, so the routes with such a body are noted while their schemas are transformed
 * and their `requestBody.required` set to false once the document is built.
 */
export class OptionalBodies {
  readonly #routes = new Set<string>();

  /** Call from swagger's `transform` for every route. */
  note(schema: unknown, url: string, method: string | string[]): void {
    const body = (schema as { body?: object } | undefined)?.body;
    if (!body || !(OptionalKind in body)) return;
    for (const m of [method].flat()) this.#routes.add(`${m.toLowerCase()} ${url.replace(/:(\w+)/g, "{$1}")}`);
  }

  /** Call from swagger's `transformObject`. */
  apply<T>(document: T): T {
    const paths = (
      document as { paths?: Record<string, Record<string, { requestBody?: { required?: boolean } }>> }
    ).paths;
    for (const route of this.#routes) {
      const [method, url] = route.split(" ") as [string, string];
      const requestBody = paths?.[url]?.[method]?.requestBody;
      if (requestBody) requestBody.required = false;
    }
    return document;
  }
}
