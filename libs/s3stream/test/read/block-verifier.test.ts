import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../../src/errors.ts";
import { ObjectBuilder } from "../../src/object/object-builder.ts";
import { decodeFooter, decodeIndex, FOOTER_SIZE } from "../../src/object/object-format.ts";
import { BlockVerifier } from "../../src/read/block-verifier.ts";
import { rejectsWith } from "../object-manager-contract.ts";

function object() {
  const builder = new ObjectBuilder();
  const records = Array.from({ length: 8 }, (_, i) => ({
    baseOffset: i,
    count: 1,
    timestamp: 0,
    payload: Buffer.alloc(200_000, i),
  }));
  builder.addStream(1, records);
  const bytes = Buffer.concat(builder.finish().chunks);
  const footer = decodeFooter(1, bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length);
  const index = decodeIndex(
    1,
    bytes.subarray(footer.indexPosition, footer.indexPosition + footer.indexLength),
    footer,
  );
  const data = Buffer.from(bytes.subarray(0, footer.indexPosition)); // an owned buffer, as a GET returns
  return { data, index };
}

describe("BlockVerifier", () => {
  it("verifies on its thread and hands the same bytes back", async () => {
    const verifier = new BlockVerifier();
    const { data, index } = object();
    const copy = Buffer.from(data);
    const back = await verifier.verify(1, data, 0, index);
    assert.equal(data.length, 0, "the bytes were transferred, not copied");
    assert.deepEqual(back, copy);
    await verifier.close();
  });

  it("reports a flipped byte as CORRUPT_DATA from the thread", async () => {
    const verifier = new BlockVerifier();
    const { data, index } = object();
    data[data.length - 10]! ^= 1;
    await assert.rejects(verifier.verify(1, data, 0, index), rejectsWith(ErrorCode.CORRUPT_DATA));
    await verifier.close();
  });

  it("verifies in place bytes it cannot transfer (shared memory), and after close", async () => {
    const verifier = new BlockVerifier();
    const { data, index } = object();
    const shared = Buffer.concat([Buffer.alloc(16), data]).subarray(16);
    assert.deepEqual(await verifier.verify(1, shared, 0, index), data);
    await verifier.close();
    shared[shared.length - 10]! ^= 1;
    await assert.rejects(verifier.verify(1, shared, 0, index), rejectsWith(ErrorCode.CORRUPT_DATA));
  });
});
