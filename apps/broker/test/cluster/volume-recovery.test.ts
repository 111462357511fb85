// Recovering a fenced broker's WAL volume with real s3stream pieces: the dead broker's acked appends reach the
// object index, each volume is replayed once, and a volume that is not attached yet is reported for a retry.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, recoverForeignWal, Storage } from "@cirrus/s3stream";
import { VolumeRecoverer } from "../../src/cluster/volume-recovery.ts";

const dir = mkdtempSync(join(tmpdir(), "cirrus-recovery-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("replays a dead broker's WAL once, before anything reopens its streams", async () => {
  const objectStore = new MemObjectStore("mem://recovery");
  const objectManager = new MemoryObjectManager();
  const dead = await Storage.open({
    walPath: join(dir, "vol-dead.img"),
    walCapacity: 8 * 1024 * 1024,
    objectStore,
    objectManager,
    nodeId: 1,
    nodeEpoch: 1,
    uploadIntervalMs: 3_600_000,
  });
  const { streamId } = await objectManager.createStream();
  const stream = await dead.openStream(streamId, 1);
  for (let i = 0; i < 5; i++) await stream.append({ payload: Buffer.from(`record-${i}`), count: 1 });
  assert.equal(
    (await objectManager.describeStream(streamId)).endOffset,
    0,
    "acked on the WAL, not uploaded yet",
  );

  const logs: string[] = [];
  let replays = 0;
  const recoverer = new VolumeRecoverer({
    volumeDir: dir,
    recover: (path) => {
      replays++;
      return recoverForeignWal(path, { objectStore, objectManager, nodeId: 2, nodeEpoch: 1 });
    },
    log: (message) => logs.push(message),
  });
  const volume = { volumeId: "vol-dead", ownerBrokerId: 1, ownerEpoch: 1 };
  assert.deepEqual(await recoverer.apply([volume]), { failed: [] });
  const recovered = await objectManager.describeStream(streamId);
  assert.equal(recovered.endOffset, 5, "every acked append is in the object index");
  assert.equal(recovered.state, "CLOSED", "the dead broker's stream is closed so a new owner can open it");
  assert.deepEqual(await recoverer.apply([volume]), { failed: [] });
  assert.equal(replays, 1, "recovered once per owner epoch");
  assert.match(logs[0]!, /recovered volume vol-dead of broker 1: 5 records/);

  const missing = await recoverer.apply([{ volumeId: "not-attached", ownerBrokerId: 3, ownerEpoch: 2 }]);
  assert.equal(missing.failed.length, 1, "a volume that is not attached yet is retried later");
  await dead.shutdown().catch(() => {});
});
