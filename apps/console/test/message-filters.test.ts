import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MessagesPage } from "../src/api/types.ts";
import { filterQuery, isFiltered, NO_FILTERS, scanNote } from "../src/pages/message-filters.ts";

const page = (over: Partial<MessagesPage>, scan: Partial<MessagesPage["scan"]>): MessagesPage => ({
  partition: 0,
  startOffset: 0,
  endOffset: 5000,
  messages: [],
  ...over,
  scan: { from: 0, to: 5000, records: 5000, bytes: 250_000, ...scan },
});
const message = (offset: number) => ({ offset, timestamp: 0, key: null, value: null, headers: [] });

describe("message filters", () => {
  it("sends only the filled-in filters, as typed", () => {
    assert.deepEqual(filterQuery(NO_FILTERS), {});
    assert.equal(isFiltered(NO_FILTERS), false);
    assert.deepEqual(filterQuery({ ...NO_FILTERS, key: "  ", value: " Order ", json: "user.id=42" }), {
      value: " Order ",
      json: "user.id=42",
    });
    assert.equal(isFiltered({ ...NO_FILTERS, header: "trace" }), true);
  });
  it("says what a filtered page scanned, and whether its budget ran out before the partition did", () => {
    assert.equal(
      scanNote(page({ messages: [message(3)] }, {}), 20, false),
      "Scanned offsets 0 to 4999 (5000 records, 250 KB): 1 match, nothing more in this direction.",
    );
    assert.match(
      scanNote(page({ startOffset: 0 }, { from: 2000 }), 20, false),
      /budget ran out before the partition's start \(0\); "Older" scans on from 2000/,
    );
    assert.match(
      scanNote(
        page({ messages: Array.from({ length: 20 }, (_, i) => message(i)) }, { from: 4000 }),
        20,
        false,
      ),
      /20 matches, the page is full/,
    );
    assert.match(
      scanNote(page({ timestampOffset: 100 }, { from: 100, to: 3000 }), 20, true),
      /offsets from 3000 on were not scanned/,
    );
    assert.equal(
      scanNote(page({}, { from: 5000, to: 5000, records: 0 }), 20, false),
      "No offset to scan in this direction.",
    );
  });
});
