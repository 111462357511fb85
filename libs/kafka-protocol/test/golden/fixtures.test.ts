import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeRequest } from "../../src/index.ts";
import { assertByteIdentical, fixturesDir, GOLDEN_ACL } from "../support/golden.ts";

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

// Byte identity cannot catch two fields of one type read and written in the same wrong order: these check
// what the clients meant: both golden walks send GOLDEN_ACL.
describe("golden fixtures: ACL and quota requests decode to what the client sent", () => {
  const body = (client: string, file: string) =>
    decodeRequest(readFileSync(join(fixturesDir, client, file))).body as Record<string, unknown>;
  const filter = {
    resourceTypeFilter: GOLDEN_ACL.resourceType,
    resourceNameFilter: GOLDEN_ACL.resourceName,
    patternTypeFilter: GOLDEN_ACL.resourcePatternType,
    principalFilter: GOLDEN_ACL.principal,
    hostFilter: GOLDEN_ACL.host,
    operation: GOLDEN_ACL.operation,
    permissionType: GOLDEN_ACL.permissionType,
  };
  for (const [client, version] of [
    ["kafkajs", 1],
    ["platformatic", 3],
  ] as const) {
    it(`${client}: CreateAcls v${version}, DescribeAcls v${version}, DeleteAcls v${version}`, () => {
      const creations = body(client, `CreateAcls-v${version}.bin`).creations as object[];
      assert.deepEqual(
        creations.map((c) => ({ ...c })),
        [GOLDEN_ACL],
      );
      assert.deepEqual({ ...body(client, `DescribeAcls-v${version}.bin`) }, filter);
      const filters = body(client, `DeleteAcls-v${version}.bin`).filters as object[];
      assert.deepEqual(
        filters.map((f) => ({ ...f })),
        [filter],
      );
    });
  }
  it("platformatic: DescribeClientQuotas v1", () => {
    const request = body("platformatic", "DescribeClientQuotas-v1.bin");
    assert.deepEqual(
      (request.components as object[]).map((c) => ({ ...c })),
      [{ entityType: "user", matchType: 0, match: "alice" }],
    );
    assert.equal(request.strict, false);
  });
});
