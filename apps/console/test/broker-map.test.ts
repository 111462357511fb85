import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Broker, PartitionLoad, Topic } from "../src/api/types.ts";
import { buildMap } from "../src/pages/broker-map.ts";

const broker = (brokerId: number): Broker => ({
  brokerId,
  instanceId: `i-${brokerId}`,
  zone: "a",
  host: "127.0.0.1",
  port: 9000 + brokerId,
  volumeId: null,
  adminPort: null,
  metricsUrl: null,
  spot: false,
  state: "ACTIVE",
  epoch: 1,
  leaseUntil: 0,
  partitions: 0,
  load: { bytesInPerSec: 0, bytesOutPerSec: 0 },
  registeredAt: 0,
});

describe("broker map", () => {
  it("puts each partition under its leader with its load, busiest first; no leader gets its own column", () => {
    const topics: Topic[] = [
      {
        topicId: "t1",
        name: "orders",
        configs: {},
        partitions: [
          { partition: 0, leaderBrokerId: 1, leaderEpoch: 1, streamId: 1 },
          { partition: 1, leaderBrokerId: 1, leaderEpoch: 1, streamId: 2 },
          { partition: 2, leaderBrokerId: -1, leaderEpoch: 0, streamId: 3 },
        ],
      },
    ];
    const load = [
      { topicId: "t1", topic: "orders", partition: 1, avgBytesInPerSec: 100, avgBytesOutPerSec: 50 },
    ] as PartitionLoad[];
    const map = buildMap([broker(1), broker(2)], topics, load);
    assert.deepEqual(
      map.map((c) => [c.brokerId, c.tiles.map((t) => `${t.partition}:${t.bytesPerSec}`), c.bytesPerSec]),
      [
        [-1, ["2:0"], 0],
        [1, ["1:150", "0:0"], 150],
        [2, [], 0],
      ],
    );
    assert.equal(map[1]!.broker?.brokerId, 1);
    assert.equal(map[0]!.broker, undefined);
  });
});
