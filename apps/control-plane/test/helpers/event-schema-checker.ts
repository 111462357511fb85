// Checks the events a live stream (Server-Sent Events) sends against the OpenAPI document: each stream's media
// type names its events' schema (`x-event-schema`, a components.schemas reference, see api-schemas/common.ts
// eventStreamContent); every {event, data} read must validate against it, with no field the schema does not
// name (the event data is JSON.stringify'd as it is, not serialized by a response schema, so an undocumented
// field would reach clients). Remembers which events each stream was seen to send.
import assert from "node:assert/strict";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { EventStreamReader, type ReadEvent } from "./event-stream-reader.ts";

type Schema = Record<string, unknown>;
type MediaType = { schema?: Schema; "x-event-schema"?: { $ref: string } };
type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, MediaType> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};

/** `schema` with `additionalProperties: false` on every object that names its properties and allows no others. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = closed(value);
  if ("properties" in out && !("additionalProperties" in out) && !("patternProperties" in out)) {
    out.additionalProperties = false;
  }
  return out;
}

export class EventSchemaChecker {
  readonly #doc: Doc;
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();
  /** Per stream (its documented path), the names of the events it was seen to send. */
  readonly seen = new Map<string, Set<string>>();

  constructor(doc: unknown) {
    this.#doc = doc as Doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.#ajv);
  }

  /** The documented paths of every GET answering text/event-stream. */
  streams(): string[] {
    return Object.entries(this.#doc.paths)
      .filter(([, ops]) =>
        Object.values(ops.get?.responses ?? {}).some((r) => r.content?.["text/event-stream"] !== undefined),
      )
      .map(([path]) => path);
  }

  /** The components.schemas entry the stream at `path` names for its events. */
  eventSchema(path: string): Schema {
    const media = this.#doc.paths[path]?.get?.responses["200"]?.content?.["text/event-stream"];
    const ref = media?.["x-event-schema"]?.$ref;
    assert.ok(ref, `GET ${path}: its text/event-stream names no x-event-schema`);
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const schema = name ? this.#doc.components.schemas[name] : undefined;
    assert.ok(schema, `GET ${path}: x-event-schema ${ref} is not in components.schemas`);
    return schema;
  }

  /** The event names the stream at `path` documents (one per branch of its schema). */
  documented(path: string): string[] {
    const branches = (this.eventSchema(path).anyOf ?? this.eventSchema(path).oneOf) as Schema[] | undefined;
    assert.ok(branches?.length, `GET ${path}: its event schema is not a union of events`);
    return branches.map((branch) => {
      const event = (branch.properties as Record<string, { const?: string; enum?: string[] }>).event;
      const name = event?.const ?? event?.enum?.[0];
      assert.ok(name, `GET ${path}: an event schema without a fixed event name`);
      return name;
    });
  }

  /** Asserts one event of the stream at `path` matches its documented schema. */
  check(path: string, event: ReadEvent): void {
    let validate = this.#validators.get(path);
    if (!validate) {
      validate = this.#ajv.compile({
        ...(closed(this.eventSchema(path)) as Schema),
        components: closed(this.#doc.components),
      });
      this.#validators.set(path, validate);
    }
    assert.ok(
      validate({ event: event.event, data: event.data }),
      `GET ${path}: event ${event.event} does not match its documented schema: ${JSON.stringify(validate.errors).slice(0, 1500)}\n${JSON.stringify(event.data).slice(0, 800)}`,
    );
    const names = this.seen.get(path) ?? new Set<string>();
    names.add(event.event);
    this.seen.set(path, names);
  }

  /** A reader of `body` (the stream at documented `path`) that checks every event as it is read. */
  reader(path: string, body: ReadableStream<Uint8Array>): EventStreamReader {
    return new CheckedReader(body, (event) => this.check(path, event));
  }
}

class CheckedReader extends EventStreamReader {
  readonly #check: (event: ReadEvent) => void;
  constructor(body: ReadableStream<Uint8Array>, check: (event: ReadEvent) => void) {
    super(body);
    this.#check = check;
  }
  override async next(timeoutMs?: number): Promise<ReadEvent | undefined> {
    const event = await super.next(timeoutMs);
    // Comment lines (heartbeats) and `retry:` carry no data: they are framing, not events.
    if (event && event.event !== "comment" && event.event !== "retry") this.#check(event);
    return event;
  }
}
