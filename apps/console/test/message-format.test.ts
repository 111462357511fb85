import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { showBytes } from "../src/pages/message-format.ts";

const bytes = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  let text: string | null;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    text = null;
  }
  return { base64: b.toString("base64"), text };
};

describe("message bytes", () => {
  it("shows text, pretty JSON and hex", () => {
    assert.equal(showBytes(bytes('{"a":1}'), "text"), '{"a":1}');
    assert.equal(showBytes(bytes('{"a":1}'), "json"), '{\n  "a": 1\n}');
    assert.equal(showBytes(bytes("not json"), "json"), "not json");
    assert.equal(showBytes(bytes("AB"), "hex"), "41 42");
    assert.equal(showBytes(null, "text"), "null");
  });
  it("shows bytes that are not UTF-8 as hex whatever was chosen", () => {
    assert.equal(showBytes(bytes(Buffer.from([0xff, 0x00])), "text"), "ff 00");
  });
});
