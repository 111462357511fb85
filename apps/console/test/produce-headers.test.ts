import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { headersBody, MAX_HEADERS, rowOfPointer } from "../src/pages/produce-headers.ts";

describe("produce form headers", () => {
  it("sends every filled row in order, a name twice included, values as typed; blank rows are dropped", () => {
    assert.deepEqual(
      headersBody([
        { name: " source ", value: "console" },
        { name: "", value: "" },
        { name: "trace", value: " a=b " },
        { name: "trace", value: "" },
      ]),
      {
        headers: [
          { key: "source", value: "console" },
          { key: "trace", value: " a=b " },
          { key: "trace", value: "" },
        ],
      },
    );
    assert.deepEqual(headersBody([]), { headers: [] });
  });

  it("refuses a value without a name at its row, and more headers than the API takes", () => {
    assert.deepEqual(
      headersBody([
        { name: "a", value: "1" },
        { name: " ", value: "x" },
      ]),
      { error: "A header needs a name.", row: 1 },
    );
    const many = Array.from({ length: MAX_HEADERS + 1 }, (_, i) => ({ name: `h${i}`, value: "" }));
    assert.deepEqual(headersBody(many), { error: `At most ${MAX_HEADERS} headers.`, row: -1 });
  });

  it("finds the row an API refusal points at, skipping blank rows that were not sent", () => {
    const rows = [
      { name: "a", value: "1" },
      { name: "", value: "" },
      { name: "b".repeat(300), value: "2" },
    ];
    assert.equal(rowOfPointer("/headers/1/key", rows), 2);
    assert.equal(rowOfPointer("/headers/0", rows), 0);
    assert.equal(rowOfPointer("/headers/5/key", rows), -1);
    assert.equal(rowOfPointer("/value", rows), -1);
  });
});
