// The message browser's filters, applied by the API as it scans the partition (GET …/messages?key=&value=&
// header=&json=): what the form's fields send, and what a page says about the offsets it scanned.
import type { MessagesPage } from "../api/types.ts";
import { formatBytes } from "../format.ts";

export type MessageFilters = { key: string; value: string; header: string; json: string };

export const NO_FILTERS: MessageFilters = { key: "", value: "", header: "", json: "" };

/** The query parameters of the filled-in filters (an empty or blank field filters nothing). */
export function filterQuery(filters: MessageFilters): Partial<MessageFilters> {
  const query: Partial<MessageFilters> = {};
  for (const name of ["key", "value", "header", "json"] as const)
    if (filters[name].trim() !== "") query[name] = filters[name];
  return query;
}

export function isFiltered(filters: MessageFilters): boolean {
  return Object.keys(filterQuery(filters)).length > 0;
}

/**
 * What a filtered page scanned, and whether its budget ran out before the partition did (then "Older" goes on
 * from where it stopped). Unfiltered pages need no note: they read exactly the offsets shown.
 */
export function scanNote(page: MessagesPage, limit: number, fromTime: boolean): string {
  const { scan } = page;
  const n = page.messages.length;
  const matches = `${n} ${n === 1 ? "match" : "matches"}`;
  if (scan.to <= scan.from) return "No offset to scan in this direction.";
  const scanned = `Scanned offsets ${scan.from} to ${scan.to - 1} (${scan.records} records, ${formatBytes(scan.bytes)})`;
  if (n >= limit) return `${scanned}: ${matches}, the page is full.`;
  if (fromTime && scan.to < page.endOffset)
    return `${scanned}: the scan's budget ran out, offsets from ${scan.to} on were not scanned.`;
  if (!fromTime && scan.from > page.startOffset)
    return `${scanned}: the scan's budget ran out before the partition's start (${page.startOffset}); "Older" scans on from ${scan.from}.`;
  return `${scanned}: ${matches}, nothing more in this direction.`;
}
