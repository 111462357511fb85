// The produce form's header rows → the request's `headers` (Kafka keeps them in order and allows a name twice),
// and which row an API refusal (`body/headers/<i>/…`) is about.

export type HeaderRow = { name: string; value: string };

/** The API's limit (POST …/messages: `headers` maxItems). */
export const MAX_HEADERS = 32;

export type HeadersResult = { headers: { key: string; value: string }[] } | { error: string; row: number };

/** Rows left blank are dropped; a value without a name is refused at its row. */
export function headersBody(rows: readonly HeaderRow[]): HeadersResult {
  const headers: { key: string; value: string }[] = [];
  for (const [row, { name, value }] of rows.entries()) {
    const key = name.trim();
    if (key === "" && value === "") continue;
    if (key === "") return { error: "A header needs a name.", row };
    headers.push({ key, value });
  }
  if (headers.length > MAX_HEADERS) return { error: `At most ${MAX_HEADERS} headers.`, row: -1 };
  return { headers };
}

/**
 * The row a validation problem's pointer names (`/headers/2/key` → the third header sent), as an index into
 * `rows` (blank rows are not sent, so the indexes differ); -1 when it is not about a header.
 */
export function rowOfPointer(pointer: string, rows: readonly HeaderRow[]): number {
  const match = /^\/headers\/(\d+)(\/|$)/.exec(pointer);
  if (!match) return -1;
  let sent = -1;
  for (const [i, row] of rows.entries()) {
    if (row.name.trim() === "" && row.value === "") continue;
    sent++;
    if (sent === Number(match[1])) return i;
  }
  return -1;
}
