// A broker's rack is its availability zone: Metadata (v1+, the first version with the field) and DescribeCluster
// answer it for every live broker, null for a broker that registered no zone.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ApiKey } from "@cirrus/kafka-protocol";
import { coreHandlers } from "../../src/handlers/registry.ts";
import { dispatchCall } from "../helpers/dispatch-call.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

const metadata: ClusterMetadata = {
  clusterId: "c",
  version: 1,
  controllerBrokerId: 1,
  brokers: [
    { brokerId: 1, host: "h1", port: 9092, zone: "eu-central-1a", state: "ACTIVE" },
    { brokerId: 2, host: "h2", port: 9092, zone: "eu-central-1b", state: "DRAINING" },
    { brokerId: 3, host: "h3", port: 9092, zone: "", state: "ACTIVE" },
    { brokerId: 4, host: "h4", port: 9092, zone: "eu-central-1c", state: "FENCED" },
  ],
  topics: [],
};
const expected = [
  [1, "eu-central-1a"],
  [2, "eu-central-1b"],
  [3, null],
];
const call = dispatchCall(coreHandlers, standaloneServices({ metadata: async () => metadata }));

test("Metadata v1 and v12 answer each live broker's zone as its rack", async () => {
  for (const version of [1, 12]) {
    const answer = await call(ApiKey.Metadata, version, { topics: [], allowAutoTopicCreation: false });
    assert.deepEqual(
      answer.brokers.map((b) => [b.nodeId, b.rack]),
      expected,
      `v${version}`,
    );
  }
  const v0 = await call(ApiKey.Metadata, 0, { topics: [{ name: "x" }] });
  assert.equal(v0.brokers.length, 3, "v0 has no rack field and still lists the brokers");
});

test("DescribeCluster v0 and v1 answer each live broker's zone as its rack", async () => {
  for (const version of [0, 1]) {
    const answer = await call(ApiKey.DescribeCluster, version, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    });
    assert.deepEqual(
      answer.brokers.map((b) => [b.brokerId, b.rack]),
      expected,
      `v${version}`,
    );
  }
});
