// The coordinators' shard lifecycle (groups and transactions share it): what a request is answered while a
// partition is elsewhere, loading, loaded, failed or moved away.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { CoordinatorShards, type LoadingShard } from "../../src/partitions/coordinator-shards.ts";
import type { Partition } from "../../src/partitions/partition.ts";

interface FakeShard {
  name: string;
  isServing: boolean;
}

interface Loading extends LoadingShard<FakeShard> {
  finish(): void;
  fail(error: Error): void;
  unloads: number;
}

function setup(leaders: number[]) {
  const open = new Map<number, Partition>();
  const loads: Loading[] = [];
  const errors: unknown[] = [];
  const metadata = {
    topics: [
      {
        name: "__t",
        partitions: leaders.map((leaderBrokerId, partition) => ({ partition, leaderBrokerId })),
      },
    ],
  } as unknown as ClusterMetadata;
  const shards = new CoordinatorShards<FakeShard, Loading>({
    topic: "__t",
    partitions: { byName: (topic, p) => (topic === "__t" ? open.get(p) : undefined) },
    metadata: async () => metadata,
    brokerId: () => 1,
    load: (partition) => {
      let finish = () => {};
      let fail = (_: Error) => {};
      const loaded = new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
      const shard = { name: `shard-${partition}-${loads.length}`, isServing: false };
      const loading: Loading = {
        shard,
        loaded: loaded.then(() => {
          shard.isServing = true;
        }),
        unloads: 0,
        unload: () => {
          loading.unloads++;
          shard.isServing = false;
        },
        finish,
        fail,
      };
      loads.push(loading);
      return loading;
    },
    onLoadError: (error) => errors.push(error),
  });
  const openPartition = (p: number) => {
    const partition = { closed: false } as Partition;
    open.set(p, partition);
    return partition;
  };
  return { shards, open, openPartition, loads, errors };
}

describe("CoordinatorShards", () => {
  it("answers NOT_COORDINATOR elsewhere, LOAD_IN_PROGRESS while led here or loading, then the shard", async () => {
    const { shards, openPartition, loads } = setup([2, 1]);
    assert.equal(await shards.partitionCount(), 2);
    assert.equal(await shards.shardAt(0), ErrorCode.NOT_COORDINATOR);
    assert.equal(await shards.shardAt(1), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "led here, not open yet");
    openPartition(1);
    assert.equal(await shards.shardAt(1), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "replaying");
    assert.equal(loads.length, 1);
    loads[0]!.finish();
    assert.equal(await shards.whenLoaded(1), loads[0]);
    assert.equal(await shards.shardAt(1), loads[0]!.shard);
    assert.deepEqual(shards.serving(), [loads[0]!.shard]);
    assert.equal(loads.length, 1, "loaded once");
  });

  it("a failed load is reported, unloaded and dropped; the next request loads again", async () => {
    const { shards, openPartition, loads, errors } = setup([1]);
    openPartition(0);
    await shards.refresh();
    loads[0]!.fail(new Error("corrupt"));
    assert.equal(await shards.whenLoaded(0), undefined);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ["corrupt"],
    );
    assert.equal(loads[0]!.unloads, 1);
    assert.equal(await shards.shardAt(0), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal(loads.length, 2);
  });

  it("a partition closed or reopened unloads its shard; the old load's failure is not reported", async () => {
    const { shards, open, openPartition, loads, errors } = setup([1]);
    openPartition(0);
    await shards.refresh();
    loads[0]!.finish();
    await shards.whenLoaded(0);
    assert.equal(shards.isCurrent(loads[0]!), true);
    openPartition(0);
    await shards.refresh();
    assert.equal(loads[0]!.unloads, 1);
    assert.equal(shards.isCurrent(loads[0]!), false);
    assert.equal(loads.length, 2, "the reopened partition loads a new shard");
    (open.get(0) as { closed: boolean }).closed = true;
    assert.equal(await shards.shardAt(0), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "closed, still led here");
    assert.equal(loads[1]!.unloads, 1);
    loads[1]!.fail(new Error("unloaded during replay"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(errors, []);
    shards.close();
    assert.deepEqual(shards.serving(), []);
  });
});
