import { ApiError } from "../errors.ts";

/** A keyset position: the sort key of the last item of a page. */
export interface CursorKey {
  createdAt: number;
  id: string;
}

/** Opaque to clients: base64url of the last item's sort key. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id])).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): CursorKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === "string" &&
      value[1].length <= 64
    ) {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new ApiError("INVALID_REQUEST", "cursor is not one this API returned");
}

/** A page from `limit + 1` fetched rows: the extra row only says there is a next page. */
export function pageOf<T extends CursorKey>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
