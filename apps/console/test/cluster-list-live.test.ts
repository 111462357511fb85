import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterListItem } from "../src/api/types.ts";
import { applyClusterListEvent } from "../src/pages/cluster-list-live.ts";

const item = (id: string, createdAt: number, state = "CREATING", count = 0) =>
  ({
    cluster: { id, createdAt, state },
    brokers: { count, bytesInPerSec: 0, bytesOutPerSec: 0 },
  }) as unknown as ClusterListItem;
const event = (name: string, data: unknown) => ({ event: name, data: JSON.stringify(data) });
const ids = (list: ClusterListItem[] | undefined) =>
  list?.map((i) => [i.cluster.id, i.cluster.state, i.brokers.count]);

describe("clusters list events", () => {
  it("takes the snapshot, puts a created or changed cluster in by id (newest first), takes a deleted one out", () => {
    let list = applyClusterListEvent(undefined, event("snapshot", { items: [item("b", 20), item("a", 10)] }));
    list = applyClusterListEvent(list, event("cluster", item("c", 30)));
    list = applyClusterListEvent(list, event("cluster", item("a", 10, "RUNNING", 3)));
    assert.deepEqual(ids(list), [
      ["c", "CREATING", 0],
      ["b", "CREATING", 0],
      ["a", "RUNNING", 3],
    ]);
    list = applyClusterListEvent(list, event("deleted", { id: "b" }));
    assert.deepEqual(ids(list), [
      ["c", "CREATING", 0],
      ["a", "RUNNING", 3],
    ]);
  });

  it("starts from an empty list when a change comes before a snapshot, and ignores other events", () => {
    assert.deepEqual(ids(applyClusterListEvent(undefined, event("cluster", item("a", 1)))), [
      ["a", "CREATING", 0],
    ]);
    const list = [item("a", 1)];
    assert.equal(applyClusterListEvent(list, event("message", {})), list);
    assert.equal(applyClusterListEvent(list, event("error", { status: 401 })), list);
  });
});
