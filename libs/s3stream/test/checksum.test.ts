import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32 } from "../src/checksum.ts";

// The on-disk formats (WAL, objects) were written with node:zlib's CRC-32: the faster implementation must give
// exactly the same values, seeded continuation included, or old WALs and objects would read as corrupt.
test("crc32 equals node:zlib's CRC-32 for any bytes, and continues a seed the same way", () => {
  for (const size of [0, 1, 7, 8, 15, 16, 63, 64, 1000, 4096, 16_384, 65_537, 1 << 20]) {
    for (let round = 0; round < 5; round++) {
      const data = randomBytes(size);
      const seed = randomBytes(4).readUInt32BE(0);
      assert.equal(crc32(data), zlibCrc32(data), `size ${size}`);
      assert.equal(crc32(data, seed), zlibCrc32(data, seed), `size ${size} seeded`);
      const cut = Math.floor(size / 3);
      assert.equal(crc32(data.subarray(cut), crc32(data.subarray(0, cut))), crc32(data), "continuation");
    }
  }
});
