// Argument checks shared by every store, so that all of them refuse the same bad input the same way.
import { ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";
import type { ByteRange } from "./object-store.ts";

export function assertValidKey(key: string): void {
  if (
    typeof key !== "string" ||
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith("/") ||
    key.includes("\0") ||
    key.split("/").some((segment) => segment === ".." || segment === "." || segment === "")
  ) {
    throw new ObjectStoreError(ObjectStoreErrorCode.INVALID_KEY, `invalid object key ${JSON.stringify(key)}`);
  }
}

export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== "string" || prefix.startsWith("/") || prefix.split("/").includes("..")) {
    throw new ObjectStoreError(ObjectStoreErrorCode.INVALID_KEY, `invalid prefix ${JSON.stringify(prefix)}`);
  }
}

/** Cuts the range to the object size; refuses inverted ranges and starts at or past the end. */
export function resolveRange(key: string, range: ByteRange | undefined, size: number): ByteRange {
  if (range === undefined) return { start: 0, end: size };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) {
    throw new ObjectStoreError(
      ObjectStoreErrorCode.INVALID_RANGE,
      `invalid range [${start}, ${end}) for ${key}`,
    );
  }
  if (start >= size) {
    throw new ObjectStoreError(
      ObjectStoreErrorCode.INVALID_RANGE,
      `range [${start}, ${end}) starts past the end of ${key} (${size} bytes)`,
    );
  }
  return { start, end: Math.min(end, size) };
}

export function bodyChunks(body: Buffer | readonly Buffer[]): readonly Buffer[] {
  return Buffer.isBuffer(body) ? [body] : body;
}

export function bodyLength(chunks: readonly Buffer[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}
