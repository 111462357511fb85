// Storage behaviour that must hold on every object store: run by storage-*.test.ts on mem://, file:// and
// s3:// (s3rver).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ObjectStore } from "@cirrus/object-store";
import { ErrorCode } from "../src/errors.ts";
import { MemoryObjectManager } from "../src/memory-object-manager.ts";
import { type ObjectManager, ObjectType } from "../src/object-manager.ts";
import { Storage } from "../src/storage.ts";
import type { StorageOptions, Stream } from "../src/stream-types.ts";
import { assertRecords, payloadFor } from "./helpers/records.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { rejectsWith } from "./object-manager-contract.ts";

const MiB = 1024 * 1024;

export interface SuiteEnv {
  objectStore: ObjectStore;
  objectManager: ObjectManager;
  options(nodeId: number, overrides?: Partial<StorageOptions>): Promise<StorageOptions>;
}

export function storageSuite(name: string, openStore: () => Promise<ObjectStore>): void {
  async function env(): Promise<SuiteEnv> {
    const objectStore = await openStore();
    const objectManager = new MemoryObjectManager();
    const dir = await tempDir("storage");
    return {
      objectStore,
      objectManager,
      options: async (nodeId, overrides = {}) => ({
        walPath: join(dir, `wal-${nodeId}`),
        walCapacity: 4 * MiB,
        objectStore,
        objectManager,
        nodeId,
        nodeEpoch: 1,
        uploadThresholdBytes: MiB,
        logCacheBytes: 0,
        ...overrides,
      }),
    };
  }

  async function appendMany(stream: Stream, count: number, size = 64): Promise<void> {
    const acks: Promise<{ baseOffset: number }>[] = [];
    for (let i = 0; i < count; i++) {
      const expected = stream.nextOffset;
      const ack = stream.append({ payload: payloadFor(stream.streamId, expected, size), count: 1 + (i % 3) });
      acks.push(
        ack.then((r) => {
          assert.equal(r.baseOffset, expected);
          return r;
        }),
      );
    }
    await Promise.all(acks);
  }

  describe(`Storage on ${name}`, () => {
    it("assigns base offsets synchronously and reads acked appends back from the log cache", async () => {
      const e = await env();
      const storage = await Storage.open(await e.options(1, { logCacheBytes: MiB }));
      const { streamId } = await storage.createStream();
      const stream = await storage.openStream(streamId, 1);
      await appendMany(stream, 50);
      assert.equal(stream.confirmOffset, stream.nextOffset);
      assert.equal(storage.stats().walDurability, "o_dsync", "group commits are single O_DSYNC writes here");
      const records = await stream.read(0, stream.nextOffset, MiB);
      assert.equal(assertRecords(records, streamId, 0), stream.nextOffset);
      const middle = await stream.read(records[10]!.baseOffset + 1, stream.nextOffset, 1);
      assert.equal(middle.length, 1, "maxBytes below one record still returns one whole record");
      assert.equal(
        middle[0]!.baseOffset,
        records[10]!.baseOffset,
        "the record containing startOffset comes first",
      );
      assert.deepEqual(await stream.read(stream.nextOffset, stream.nextOffset + 10, 100), []);
      await assert.rejects(
        stream.read(stream.nextOffset + 1, stream.nextOffset + 10, 100),
        rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE),
      );
      await storage.shutdown();
    });

    it("uploads past the threshold, then serves cold reads from object storage in order", async () => {
      const e = await env();
      const storage = await Storage.open(await e.options(1));
      const streams = await Promise.all(
        [0, 1, 2].map(async () => storage.openStream((await storage.createStream()).streamId, 1)),
      );
      for (let round = 0; round < 4; round++) for (const s of streams) await appendMany(s, 40, 4096);
      await storage.flush();
      assert.ok(storage.stats().uploads >= 1);
      assert.equal(storage.stats().pendingUploadBytes, 0);
      assert.equal(storage.stats().walUsedBytes, 0, "the WAL is trimmed after the commit");
      for (const s of streams) {
        let offset = 0;
        while (offset < s.nextOffset) {
          const batch = await s.read(offset, s.nextOffset, 64 * 1024);
          assert.ok(batch.length > 0);
          offset = assertRecords(batch, s.streamId, offset);
        }
      }
      assert.ok(e.objectStore.requestCounts().GET > 0, "data came from the object store");
      await storage.shutdown();
    });

    it("cold reads with any byte limit return a gap-free run, across objects and block boundaries", async () => {
      const e = await env();
      const writer = await Storage.open(await e.options(1));
      const { streamId } = await writer.createStream();
      const stream = await writer.openStream(streamId, 1);
      // Several uploads, so the stream spans several objects of several blocks each.
      for (let round = 0; round < 4; round++) {
        await appendMany(stream, 24, 100 * 1024);
        await writer.flush();
      }
      const end = stream.nextOffset;
      await stream.close();
      await writer.shutdown();
      // Another node reads it from object storage alone, without a block cache to hide partial reads.
      const reader = await Storage.open(await e.options(2, { blockCacheBytes: 0 }));
      try {
        const cold = await reader.openStream(streamId, 2);
        for (const maxBytes of [1, 150 * 1024, 900 * 1024, MiB, MiB + 1, 1.5 * MiB, 2.5 * MiB, 8 * MiB]) {
          let offset = 0;
          while (offset < end) {
            const batch = await cold.read(offset, end, maxBytes);
            assert.ok(batch.length > 0, `progress at ${offset} with maxBytes ${maxBytes}`);
            offset = assertRecords(batch, streamId, offset);
          }
        }
      } finally {
        await reader.shutdown();
      }
    });

    it("gives a stream with much data in one upload its own stream object", async () => {
      const e = await env();
      const storage = await Storage.open(await e.options(1, { streamObjectThresholdBytes: 64 * 1024 }));
      const big = await storage.openStream((await storage.createStream()).streamId, 1);
      const small = await storage.openStream((await storage.createStream()).streamId, 1);
      await appendMany(big, 100, 1024);
      await appendMany(small, 3, 100);
      await storage.flush();
      const [bigObject] = await e.objectManager.getObjects(big.streamId, 0, big.nextOffset, 10);
      const [smallObject] = await e.objectManager.getObjects(small.streamId, 0, small.nextOffset, 10);
      assert.equal(bigObject?.type, ObjectType.STREAM);
      assert.equal(smallObject?.type, ObjectType.STREAM_SET);
      assertRecords(await big.read(0, big.nextOffset, MiB), big.streamId, 0);
      assertRecords(await small.read(0, small.nextOffset, MiB), small.streamId, 0);
      await storage.shutdown();
    });

    it("close uploads the tail so another node opens the stream from the object index alone", async () => {
      const e = await env();
      const steps: string[] = [];
      const a = await Storage.open(
        await e.options(1, {
          uploadThresholdBytes: 3 * MiB,
          observeStreamClose: (step, seconds) => {
            assert.ok(seconds >= 0 && seconds < 60, `${step} took ${seconds} s`);
            steps.push(step);
          },
        }),
      );
      const { streamId } = await a.createStream();
      const stream = await a.openStream(streamId, 1);
      await appendMany(stream, 30);
      const end = stream.nextOffset;
      await stream.close();
      assert.deepEqual(steps, ["settle", "upload", "close"], "each step of the close is timed, in order");
      await assert.rejects(
        stream.append({ payload: Buffer.alloc(1), count: 1 }),
        rejectsWith(ErrorCode.STREAM_CLOSED),
      );
      const b = await Storage.open(await e.options(2));
      const moved = await b.openStream(streamId, 2);
      assert.equal(moved.nextOffset, end);
      assertRecords(await moved.read(0, end, MiB), streamId, 0);
      await appendMany(moved, 5);
      assertRecords(await moved.read(0, moved.nextOffset, MiB), streamId, 0);
      await a.shutdown();
      await b.shutdown();
    });

    it("commits a close only after its commitAfter settled (what the next owner must find is there first)", async () => {
      const e = await env();
      const a = await Storage.open(await e.options(1));
      const { streamId } = await a.createStream();
      const stream = await a.openStream(streamId, 1);
      await appendMany(stream, 3);
      let release: (value?: unknown) => void = () => {};
      const checkpoint = new Promise((_resolve, reject) => {
        release = reject; // a failed write still lets the close go on
      });
      const closing = stream.close({ commitAfter: checkpoint });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await e.objectManager.describeStream(streamId)).state, "OPENED", "not closed before it");
      release(new Error("checkpoint write failed"));
      await closing;
      // The tail's commit and the close are one call, made once the checkpoint settled.
      const closed = await e.objectManager.describeStream(streamId);
      assert.equal(closed.state, "CLOSED");
      assert.equal(closed.endOffset, stream.nextOffset, "tail committed");
      await a.shutdown();
    });

    it("fences the old owner: its later appends are never committed and it stops accepting", async () => {
      const e = await env();
      const a = await Storage.open(await e.options(1, { uploadThresholdBytes: 3 * MiB }));
      const { streamId } = await a.createStream();
      const old = await a.openStream(streamId, 1);
      await appendMany(old, 10);
      await a.flush();
      const committed = old.nextOffset;
      const b = await Storage.open(await e.options(2));
      const current = await b.openStream(streamId, 2);
      await appendMany(old, 5); // a zombie acks to its WAL, but can never commit
      await a.flush();
      await assert.rejects(
        old.append({ payload: Buffer.alloc(1), count: 1 }),
        rejectsWith(ErrorCode.STREAM_FENCED),
      );
      assert.equal(current.nextOffset, committed);
      await appendMany(current, 3);
      await b.flush();
      assert.equal(
        (await e.objectManager.describeStream(streamId)).endOffset,
        committed + current.nextOffset - committed,
      );
      assertRecords(await current.read(0, current.nextOffset, MiB), streamId, 0);
      await a.shutdown();
      await b.shutdown();
    });

    it("shutdown uploads everything and leaves an empty WAL", async () => {
      const e = await env();
      const options = await e.options(1, { uploadThresholdBytes: 3 * MiB });
      const storage = await Storage.open(options);
      const { streamId } = await storage.createStream();
      const stream = await storage.openStream(streamId, 1);
      await appendMany(stream, 100, 1000);
      await storage.shutdown();
      assert.equal((await e.objectManager.describeStream(streamId)).endOffset, stream.nextOffset);
      const again = await Storage.open({ ...options, nodeEpoch: 2 });
      assert.equal(again.recovery.recoveredRecords, 0);
      const reopened = await again.openStream(streamId, 2);
      assertRecords(await reopened.read(0, reopened.nextOffset, 10 * MiB), streamId, 0);
      await again.shutdown();
    });

    it("trims: data below the new start is unreadable", async () => {
      const e = await env();
      const storage = await Storage.open(await e.options(1));
      const { streamId } = await storage.createStream();
      const stream = await storage.openStream(streamId, 1);
      await appendMany(stream, 20);
      await stream.trim(10);
      assert.equal(stream.startOffset, 10);
      await assert.rejects(stream.read(5, 20, MiB), rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE));
      await assert.rejects(stream.trim(stream.nextOffset + 1), rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE));
      assert.equal((await e.objectManager.describeStream(streamId)).startOffset, 10);
      await storage.shutdown();
    });

    it("compacts stream set objects and small stream objects, then deletes the sources", async () => {
      const e = await env();
      const storage = await Storage.open(
        await e.options(1, {
          streamObjectThresholdBytes: 256 * 1024,
          compaction: { intervalMs: 60_000, bytesPerSecond: 1024 * MiB, deleteGracePeriodMs: 0 },
        }),
      );
      const streams = await Promise.all(
        [0, 1].map(async () => storage.openStream((await storage.createStream()).streamId, 1)),
      );
      for (let round = 0; round < 3; round++) {
        for (const s of streams) await appendMany(s, 20, 1000);
        await storage.flush();
      }
      assert.equal((await e.objectManager.getStreamSetObjects(1)).length, 3);
      await storage.compactNow();
      assert.equal((await e.objectManager.getStreamSetObjects(1)).length, 1, "three merged into one");
      const keys = await e.objectStore.list("s3stream/");
      assert.equal(keys.length, 1, "compacted sources deleted after the grace period");
      for (const s of streams) assertRecords(await s.read(0, s.nextOffset, 10 * MiB), s.streamId, 0);
      await storage.shutdown();
    });

    it("separates a stream's data into stream objects and rewrites them in place, offsets unchanged", async () => {
      const e = await env();
      const storage = await Storage.open(
        await e.options(1, {
          compaction: {
            intervalMs: 60_000,
            bytesPerSecond: 1024 * MiB,
            deleteGracePeriodMs: 0,
            separateStream: (id) => id === separated,
          },
          logCacheBytes: 64 * MiB, // uploaded records stay cached: the rewrite must not be hidden by them
        }),
      );
      const [stream, other] = await Promise.all(
        [0, 1].map(async () => storage.openStream((await storage.createStream()).streamId, 1)),
      );
      const separated = stream!.streamId;
      await appendMany(stream!, 12, 500);
      await appendMany(other!, 12, 500);
      await storage.flush();
      const end = stream!.nextOffset;
      assert.equal(
        await storage.rewritableEnd(separated, 0, end),
        0,
        "in a stream set object: not rewritable",
      );
      await storage.compactNow(); // one stream set object, holding a stream that must be separated
      assert.equal(await storage.rewritableEnd(separated, 0, end), end);
      assert.equal(await storage.rewritableEnd(other!.streamId, 0, other!.nextOffset), 0, "the other stays");

      const short = (offset: number) => Buffer.from(`short ${offset}`);
      const outcome = await storage.rewriteStream(separated, 0, end, (r) =>
        r.baseOffset % 2 === 0 ? short(r.baseOffset) : undefined,
      );
      assert.equal(outcome.objectsRewritten, 1);
      assert.ok(outcome.bytesAfter < outcome.bytesBefore);
      const records = await stream!.read(0, end, 10 * MiB);
      let expected = 0;
      for (const r of records) {
        assert.equal(r.baseOffset, expected, "no offset lost or moved");
        const want = r.baseOffset % 2 === 0 ? short(r.baseOffset) : payloadFor(separated, r.baseOffset, 500);
        assert.deepEqual(r.payload, want);
        expected += r.count;
      }
      assert.equal(expected, end);
      // Nothing changes: nothing is rewritten. The replaced object is unreferenced and then deleted.
      assert.equal((await storage.rewriteStream(separated, 0, end, () => undefined)).objectsRewritten, 0);
      assert.equal((await e.objectManager.getUnreferencedObjects(0, 100)).length >= 1, true);
      await storage.compactNow();
      assert.deepEqual(await e.objectManager.getUnreferencedObjects(0, 100), []);
      assertRecords(await other!.read(0, other!.nextOffset, 10 * MiB), other!.streamId, 0);
      await stream!.close();
      await assert.rejects(
        storage.rewriteStream(separated, 0, end, () => undefined),
        rejectsWith(ErrorCode.STREAM_CLOSED),
      );
      await storage.shutdown();
    });

    it("deletes unreferenced objects only on the node deletesUnreferenced names", async () => {
      const e = await env();
      let deleting = false;
      const storage = await Storage.open(
        await e.options(1, {
          compaction: {
            intervalMs: 60_000,
            bytesPerSecond: 1024 * MiB,
            deleteGracePeriodMs: 0,
            deletesUnreferenced: () => deleting,
          },
        }),
      );
      const stream = await storage.openStream((await storage.createStream()).streamId, 1);
      await appendMany(stream, 10, 1000);
      await storage.flush();
      const mid = stream.nextOffset;
      await appendMany(stream, 10, 1000);
      await storage.flush();
      await stream.trim(mid); // the first object is wholly below the start: unreferenced
      const unreferenced = await e.objectManager.getUnreferencedObjects(0, 100);
      assert.equal(unreferenced.length, 1);
      const suffix = `/${unreferenced[0]!.objectId}`;
      const has = async () => (await e.objectStore.list("s3stream/")).some((o) => o.key.endsWith(suffix));
      await storage.compactNow();
      assert.ok(await has(), "a node not named keeps its hands off");
      assert.equal(storage.stats().objectsDeleted, 0);
      deleting = true;
      await storage.compactNow();
      assert.equal(await has(), false, "the named node deleted it");
      assert.deepEqual(await e.objectManager.getUnreferencedObjects(0, 100), []);
      assert.equal(storage.stats().objectsDeleted, 1);
      assertRecords(await stream.read(mid, stream.nextOffset, 10 * MiB), stream.streamId, mid);
      await storage.shutdown();
    });

    it("refuses bad appends with typed errors and leaves offsets unchanged", async () => {
      const e = await env();
      const storage = await Storage.open(await e.options(1, { maxRecordBytes: 1000 }));
      const stream = await storage.openStream((await storage.createStream()).streamId, 1);
      await assert.rejects(
        stream.append({ payload: Buffer.alloc(1001), count: 1 }),
        rejectsWith(ErrorCode.RECORD_TOO_LARGE),
      );
      await assert.rejects(
        stream.append({ payload: Buffer.alloc(1), count: 0 }),
        rejectsWith(ErrorCode.INVALID_ARGUMENT),
      );
      await assert.rejects(
        stream.append({ payload: "x" as unknown as Buffer, count: 1 }),
        rejectsWith(ErrorCode.INVALID_ARGUMENT),
      );
      assert.equal(stream.nextOffset, 0);
      await assert.rejects(stream.read(-1, 10, 100), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(stream.read(0, Number.NaN, 100), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(stream.read(0, 10, 2 ** 60), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(stream.trim(1.5), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(storage.openStream(stream.streamId, -1), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await storage.shutdown();
      await assert.rejects(storage.createStream(), rejectsWith(ErrorCode.STREAM_CLOSED));
    });
  });
}
