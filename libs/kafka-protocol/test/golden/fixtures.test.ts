import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { assertByteIdentical, fixturesDir } from "../support/golden.ts";

// The frames captured from kcat, kafkajs and @platformatic/kafka by the golden tests
// (CIRRUS_CAPTURE_FIXTURES=1 npm test), kept so byte identity is checked without the clients.

describe("golden fixtures", () => {
  for (const client of readdirSync(fixturesDir)) {
    it(`${client}: every stored frame re-encodes byte for byte`, () => {
      const files = readdirSync(join(fixturesDir, client)).filter((f) => f.endsWith(".bin"));
      assert.ok(files.length >= 10, `expected fixtures for ${client}`);
      assertByteIdentical(
        files.map((file) => {
          const frame = readFileSync(join(fixturesDir, client, file));
          return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), clientId: client, frame };
        }),
      );
    });
  }
});
