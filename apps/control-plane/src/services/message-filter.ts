// The message browser's filters (GET …/partitions/{p}/messages?key=&value=&header=&json=): which records a scan
// keeps. Text filters are "contains", case-insensitive, on the bytes as UTF-8 (invalid sequences as U+FFFD);
// `header` is matched against each header as `name=value`. `json` compares one field of a JSON value:
// `path=literal` or `$.path == literal`, the path as dot-separated names with `[n]` for array items
// (`user.id=42`, `$.items[0].sku == "A-1"`). The literal is JSON when it parses as JSON (42, true, null, "text");
// a bare number/true/false/null also matches the same text in a string field ("42"); anything else is text.
// Every filter given must match (AND). A filter that cannot be parsed is a 400 problem naming the parameter.
import { ApiError } from "../errors.ts";

export type MessageFilterQuery = { key?: string; value?: string; header?: string; json?: string };

export interface FilterableRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

type JsonFilter = { path: (string | number)[]; literal: unknown; text: string };

export interface MessageFilter {
  /** True when some filter is given: the scan then reads past non-matching records, within its budget. */
  readonly active: boolean;
  matches(record: FilterableRecord): boolean;
}

const SEGMENT = /^(?:([^.[\]]+))?((?:\[\d+\])*)$/;

function jsonProblem(json: string, why: string): ApiError {
  return new ApiError(
    "INVALID_REQUEST",
    `querystring/json must be \`path=value\` or \`$.path == value\` (e.g. user.id=42, $.items[0].sku == "A-1"): ${why}; got ${JSON.stringify(json.slice(0, 128))}`,
  );
}

/** `user.items[0].id` → ["user", "items", 0, "id"]; a 400 problem for an empty or malformed path. */
function parsePath(raw: string, json: string): (string | number)[] {
  let text = raw.trim();
  if (text.startsWith("$")) text = text.slice(1).replace(/^\./, "");
  if (text === "") throw jsonProblem(json, "the path names no field");
  const path: (string | number)[] = [];
  for (const part of text.split(".")) {
    const m = SEGMENT.exec(part);
    if (!m || (m[1] === undefined && m[2] === "")) throw jsonProblem(json, `bad path segment "${part}"`);
    if (m[1] !== undefined) path.push(m[1]);
    for (const index of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

export function parseJsonFilter(json: string): JsonFilter {
  const op = /\s*==?\s*/.exec(json);
  if (!op) throw jsonProblem(json, "no `=` between the path and the value");
  const path = parsePath(json.slice(0, op.index), json);
  const text = json.slice(op.index + op[0].length).trim();
  let literal: unknown = text;
  try {
    literal = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { path, literal, text };
}

function fieldAt(document: unknown, path: (string | number)[]): { found: boolean; value?: unknown } {
  let at: unknown = document;
  for (const step of path) {
    if (typeof step === "number") {
      if (!Array.isArray(at) || step >= at.length) return { found: false };
      at = at[step];
    } else {
      if (at === null || typeof at !== "object" || Array.isArray(at) || !Object.hasOwn(at, step))
        return { found: false };
      at = (at as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: at };
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** Whether the JSON document `value` has the filter's field equal to its literal. Not JSON: no match. */
export function jsonMatches(filter: JsonFilter, value: Buffer | null): boolean {
  if (value === null) return false;
  let document: unknown;
  try {
    document = JSON.parse(value.toString("utf8"));
  } catch {
    return false;
  }
  const field = fieldAt(document, filter.path);
  if (!field.found) return false;
  if (sameJson(field.value, filter.literal)) return true;
  // A bare literal (42, true, null) also finds the same text in a string field: ids are often strings.
  const bare = filter.literal === null || ["number", "boolean"].includes(typeof filter.literal);
  return bare && typeof field.value === "string" && field.value === filter.text;
}

const contains = (bytes: Buffer | null, needle: string) =>
  bytes?.toString("utf8").toLowerCase().includes(needle) === true;

/** The filter the query names; a 400 problem for a `json` filter that cannot be parsed or an empty one. */
export function parseMessageFilter(query: MessageFilterQuery): MessageFilter {
  const key = query.key?.toLowerCase();
  const value = query.value?.toLowerCase();
  const header = query.header?.toLowerCase();
  const json = query.json === undefined ? undefined : parseJsonFilter(query.json);
  const active = [key, value, header, json].some((f) => f !== undefined);
  return {
    active,
    matches(record) {
      if (key !== undefined && !contains(record.key, key)) return false;
      if (value !== undefined && !contains(record.value, value)) return false;
      if (
        header !== undefined &&
        !record.headers.some((h) =>
          `${h.key}=${h.value === null ? "" : h.value.toString("utf8")}`.toLowerCase().includes(header),
        )
      )
        return false;
      if (json !== undefined && !jsonMatches(json, record.value)) return false;
      return true;
    },
  };
}
