import { ProtocolError } from "../errors.ts";
import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { compileStructReader, type StructReader } from "./compile-reader.ts";
import { compileStructWriter, type StructWriter } from "./compile-writer.ts";
import type { MessageSpec } from "./types.ts";
import { inVersions, parseVersions } from "./versions.ts";

/** One message spec compiled for one version. */
export interface CompiledMessage {
  readonly spec: MessageSpec;
  readonly version: number;
  readonly flexible: boolean;
  readonly read: StructReader;
  readonly write: StructWriter;
}

const cache = new WeakMap<MessageSpec, Map<number, CompiledMessage>>();

export function isFlexible(spec: MessageSpec, version: number): boolean {
  return inVersions(spec.flexibleVersions, version);
}

export function supportsVersion(spec: MessageSpec, version: number): boolean {
  return inVersions(spec.validVersions, version);
}

export function versionRange(spec: MessageSpec): { minVersion: number; maxVersion: number } {
  const { lo, hi } = parseVersions(spec.validVersions);
  return { minVersion: lo, maxVersion: hi };
}

/** Compiles (once, then cached) the reader and writer of a message at a version. */
export function compiledMessage(spec: MessageSpec, version: number): CompiledMessage {
  let byVersion = cache.get(spec);
  if (byVersion === undefined) {
    byVersion = new Map();
    cache.set(spec, byVersion);
  }
  let compiled = byVersion.get(version);
  if (compiled === undefined) {
    if (!supportsVersion(spec, version)) {
      throw new ProtocolError("UNSUPPORTED_VERSION", `${spec.name} v${version} is not supported`);
    }
    const flexible = isFlexible(spec, version);
    compiled = {
      spec,
      version,
      flexible,
      read: compileStructReader(spec.fields, version, flexible),
      write: compileStructWriter(spec.fields, version, flexible),
    };
    byVersion.set(version, compiled);
  }
  return compiled;
}

/**
 * Reads a message body. `trailing: "refuse"` (responses: we must understand every byte a broker sends) throws
 * TRAILING_BYTES when bytes follow the body; `"ignore"` (requests) leaves them unread, as Apache Kafka's broker
 * does (RequestContext.parseRequest reads the body and never checks what is left): some shipped clients send
 * a few extra bytes after e.g. ListGroups and OffsetFetch.
 */
export function readMessageBody(
  compiled: CompiledMessage,
  r: Reader,
  trailing: "refuse" | "ignore" = "refuse",
): Record<string, unknown> {
  const body = compiled.read(r);
  if (trailing === "refuse" && r.remaining() !== 0) {
    throw new ProtocolError(
      "TRAILING_BYTES",
      `${compiled.spec.name} v${compiled.version}: ${r.remaining()} bytes after the body`,
    );
  }
  return body;
}

export function writeMessageBody(compiled: CompiledMessage, w: Writer, body: object): void {
  compiled.write(w, body as Record<string, unknown>);
}
