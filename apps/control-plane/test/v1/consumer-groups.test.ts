// Consumer groups are asked of brokers over the Kafka protocol: without a reachable broker the routes answer
// 503 problems (the live answers are proven in e2e/test/console.test.ts); the consumer protocol's assignment
// bytes are decoded, and bytes that are not one are refused rather than misread.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeConsumerAssignment } from "../../src/services/consumer-assignment.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

function assignment(topics: [string, number[]][]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 1]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const [name, partitions] of topics) {
    const nameBytes = Buffer.from(name);
    const head = Buffer.alloc(2 + nameBytes.length + 4);
    head.writeInt16BE(nameBytes.length, 0);
    nameBytes.copy(head, 2);
    head.writeInt32BE(partitions.length, 2 + nameBytes.length);
    parts.push(head);
    for (const p of partitions) {
      const b = Buffer.alloc(4);
      b.writeInt32BE(p);
      parts.push(b);
    }
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff])); // null user data
  return Buffer.concat(parts);
}

describe("consumer group assignment bytes", () => {
  it("decodes the consumer protocol's assignment", () => {
    assert.deepEqual(
      decodeConsumerAssignment(
        assignment([
          ["orders", [0, 2]],
          ["audit", []],
        ]),
      ),
      [
        { topic: "orders", partitions: [0, 2] },
        { topic: "audit", partitions: [] },
      ],
    );
  });
  it("refuses truncated or foreign bytes", () => {
    const whole = assignment([["orders", [0, 1, 2]]]);
    assert.equal(decodeConsumerAssignment(whole.subarray(0, whole.length - 9)), null);
    assert.equal(decodeConsumerAssignment(Buffer.from([0, 1, 0x7f, 0xff, 0xff, 0xff])), null);
    assert.equal(decodeConsumerAssignment(Buffer.alloc(1)), null);
  });
});

describe("consumer group routes without brokers", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  before(async () => {
    t = await createTestApp("pglite");
    clusterId = (await createLocalCluster(t, "groups")).id;
  });
  after(() => t?.close());

  it("answers 503 UNAVAILABLE when no broker is active, 404 for an unknown cluster", async () => {
    for (const path of ["consumer-groups", "consumer-groups/billing"]) {
      const answer = await t.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${clusterId}/${path}`,
        headers: t.auth(t.viewer),
      });
      assert.equal(answer.statusCode, 503, path);
      assert.equal(answer.json().code, "UNAVAILABLE");
      assert.match(answer.json().detail, /no broker of this cluster is active/);
    }
    const unknown = await t.app.server.inject({
      method: "GET",
      url: "/v1/clusters/00000000-0000-4000-8000-000000000000/consumer-groups",
      headers: t.auth(t.viewer),
    });
    assert.equal(unknown.statusCode, 404);
  });
});
