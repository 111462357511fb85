import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PartitionLoad, Topic } from "../src/api/types.ts";
import { buildMap, trafficMoved } from "../src/pages/broker-map.ts";
import { broker } from "./broker-fixture.ts";

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
  it("loads the partitions' load again when a broker comes or goes or its traffic moves by more than 10 %", () => {
    const at = (rate: number) => broker(1, { load: { bytesInPerSec: rate, bytesOutPerSec: 0 } });
    assert.equal(trafficMoved([at(100_000)], [at(105_000)]), false, "5 %: the map stays");
    assert.equal(trafficMoved([at(100_000)], [at(120_000)]), true);
    assert.equal(trafficMoved([at(100)], [at(1000)]), false, "under 1 KiB/s: noise");
    assert.equal(trafficMoved([at(0)], [at(0), broker(2)]), true, "a broker came");
    assert.equal(trafficMoved([at(0)], [broker(3)]), true, "another broker");
  });
});
