import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FastifyInstance, InjectOptions } from "fastify";

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components?: Record<string, unknown>;
};

/**
 * Calls routes through inject and checks each response against the OpenAPI document: the route and
 * the status are documented, and the body validates against the documented schema. Remembers which
 * operations were exercised.
 */
export class OpenApiChecker {
  readonly #server: FastifyInstance;
  readonly #doc: Doc;
  readonly #ajv: Ajv2020;
  readonly exercised = new Set<string>();

  constructor(server: FastifyInstance, doc: unknown) {
    this.#server = server;
    this.#doc = doc as Doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.#ajv);
  }

  /** `template` in Fastify syntax ("/v1/clusters/:id"); `params` fill it in. */
  async call(
    method: string,
    template: string,
    options: {
      params?: Record<string, string | number>;
      headers?: Record<string, string>;
      payload?: unknown;
      query?: Record<string, string>;
    } = {},
  ) {
    const url = template.replace(/:(\w+)/g, (_, name: string) =>
      encodeURIComponent(String(options.params?.[name])),
    );
    const inject: InjectOptions = { method: method as InjectOptions["method"], url };
    if (options.headers) inject.headers = options.headers;
    if (options.payload !== undefined) inject.payload = options.payload as InjectOptions["payload"];
    if (options.query) inject.query = options.query;
    const response = await this.#server.inject(inject);
    const path = template.replace(/:(\w+)/g, "{$1}");
    const operation = this.#doc.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is not in the OpenAPI document`);
    const documented = operation.responses[String(response.statusCode)] as
      | { content?: Record<string, { schema: object }> }
      | undefined;
    assert.ok(
      documented,
      `${method} ${path} answered ${response.statusCode}, which is not documented: ${response.body}`,
    );
    const contentType = String(response.headers["content-type"] ?? "").split(";")[0]!;
    if (response.statusCode !== 204) {
      assert.ok(
        documented.content?.[contentType],
        `${method} ${path} ${response.statusCode} sent undocumented ${contentType}`,
      );
    }
    const schema = documented.content?.[contentType]?.schema;
    if (schema && response.statusCode !== 204) {
      // The document's components ride along, so "#/components/schemas/…" references resolve.
      const validate = this.#ajv.compile({ ...schema, components: this.#doc.components });
      // JSON bodies are validated parsed; text (the Prometheus exposition) as the string it is.
      const body = (/[/+]json$/.test(contentType) ? JSON.parse(response.body) : response.body) as unknown;
      assert.ok(
        validate(body),
        `${method} ${path} ${response.statusCode} body does not match the document: ${JSON.stringify(validate.errors)}\n${response.body.slice(0, 500)}`,
      );
    }
    const headers = (documented as { headers?: Record<string, unknown> }).headers ?? {};
    for (const name of Object.keys(headers)) {
      assert.ok(
        response.headers[name.toLowerCase()] !== undefined,
        `${method} ${path} ${response.statusCode} lacks its documented header ${name}`,
      );
    }
    this.exercised.add(`${method} ${path}`);
    return response;
  }
}
