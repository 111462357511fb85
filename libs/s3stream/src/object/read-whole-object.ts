// Fetches a whole object in one GET and decodes every block (compaction input). Corrupt objects raise
// CORRUPT_DATA: compaction then leaves them untouched rather than copying damage.
import type { ObjectStore } from "@cirrus/object-store";
import type { StreamRecord } from "../stream-types.ts";
import {
  type BlockIndexEntry,
  decodeBlock,
  decodeFooter,
  decodeIndex,
  FOOTER_SIZE,
} from "./object-format.ts";
import { objectKey } from "./object-keys.ts";

export interface DecodedBlock {
  entry: BlockIndexEntry;
  records: StreamRecord[];
}

export async function readWholeObject(
  store: ObjectStore,
  objectId: number,
  objectSize: number,
): Promise<DecodedBlock[]> {
  const bytes = await store.get(objectKey(objectId));
  const footer = decodeFooter(objectId, bytes.subarray(bytes.length - FOOTER_SIZE), objectSize);
  const index = decodeIndex(
    objectId,
    bytes.subarray(footer.indexPosition, footer.indexPosition + footer.indexLength),
    footer,
  );
  return index.map((entry) => ({
    entry,
    records: decodeBlock(objectId, bytes.subarray(entry.position, entry.position + entry.size), entry),
  }));
}
