// Real s3stream storage for coordinator and producer-state tests: brokers share one in-memory object
// store and object manager (the "control plane"), each has its own WAL in a temp dir, so a partition can
// be closed on one broker and opened on another exactly as a move does it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage } from "@cirrus/s3stream";
import { AppendNotifier } from "../../src/partitions/append-notifier.ts";
import { Partition } from "../../src/partitions/partition.ts";

export class StreamCluster {
  readonly objectStore = new MemObjectStore();
  readonly objectManager = new MemoryObjectManager();
  readonly #storages: Storage[] = [];
  readonly #dirs: string[] = [];

  async openBroker(nodeId: number, nodeEpoch = 1): Promise<Storage> {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-broker-groups-"));
    this.#dirs.push(dir);
    const storage = await Storage.open({
      walPath: join(dir, "wal"),
      walCapacity: 8 * 1024 * 1024,
      objectStore: this.objectStore,
      objectManager: this.objectManager,
      nodeId,
      nodeEpoch,
      logCacheBytes: 0,
    });
    this.#storages.push(storage);
    return storage;
  }

  async createStream(): Promise<number> {
    return (await this.objectManager.createStream({})).streamId;
  }

  async openPartition(storage: Storage, streamId: number, epoch: number, topic = "t", partition = 0) {
    const stream = await storage.openStream(streamId, epoch);
    return new Partition(
      { topic, topicId: "00000000000000000000000000000001", partition, leaderEpoch: epoch, streamId },
      stream,
      new AppendNotifier(),
    );
  }

  async close(): Promise<void> {
    for (const storage of this.#storages) await storage.shutdown().catch(() => {});
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true });
  }
}
