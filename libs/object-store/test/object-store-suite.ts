// The ObjectStore contract, as one suite run against every store (file://, mem://, s3:// on s3rver).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { ObjectStoreError, ObjectStoreErrorCode } from "../src/errors.ts";
import type { ObjectStore } from "../src/object-store.ts";

export function objectStoreSuite(name: string, open: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it("puts and gets whole objects, from one buffer or many chunks", async () => {
      const store = await open();
      const data = randomBytes(100_000);
      await store.put("a/one", data);
      await store.put("a/chunks", [data.subarray(0, 10), data.subarray(10, 50_000), data.subarray(50_000)]);
      assert.deepEqual(await store.get("a/one"), data);
      assert.deepEqual(await store.get("a/chunks"), data);
      assert.equal(store.requestCounts().PUT >= 2, true);
      assert.equal(store.requestCounts().GET >= 2, true);
    });

    it("serves ranges, cutting them at the end of the object", async () => {
      const store = await open();
      const data = randomBytes(4096);
      await store.put("r/x", data);
      assert.deepEqual(await store.get("r/x", { start: 100, end: 200 }), data.subarray(100, 200));
      assert.deepEqual(await store.get("r/x", { start: 4000, end: 9000 }), data.subarray(4000));
      await assert.rejects(
        store.get("r/x", { start: 5000, end: 6000 }),
        code(ObjectStoreErrorCode.INVALID_RANGE),
      );
      await assert.rejects(
        store.get("r/x", { start: 10, end: 10 }),
        code(ObjectStoreErrorCode.INVALID_RANGE),
      );
    });

    it("replaces an object on a second put", async () => {
      const store = await open();
      await store.put("k", Buffer.from("first"));
      await store.put("k", Buffer.from("second"));
      assert.equal((await store.get("k")).toString(), "second");
    });

    it("reports a missing key as OBJECT_NOT_FOUND on get, undefined on head", async () => {
      const store = await open();
      await assert.rejects(store.get("missing/key"), code(ObjectStoreErrorCode.OBJECT_NOT_FOUND));
      assert.equal(await store.head("missing/key"), undefined);
    });

    it("heads, lists by prefix in key order, and deletes in batches", async () => {
      const store = await open();
      await store.put("p/b", Buffer.alloc(3));
      await store.put("p/a", Buffer.alloc(5));
      await store.put("p/sub/c", Buffer.alloc(7));
      await store.put("q/d", Buffer.alloc(1));
      assert.deepEqual(await store.head("p/a"), { key: "p/a", size: 5 });
      assert.deepEqual(
        (await store.list("p/")).map((o) => [o.key, o.size]),
        [
          ["p/a", 5],
          ["p/b", 3],
          ["p/sub/c", 7],
        ],
      );
      assert.deepEqual(
        (await store.list("p/s")).map((o) => o.key),
        ["p/sub/c"],
      );
      await store.delete(["p/a", "p/sub/c", "p/never-existed"]);
      assert.deepEqual(
        (await store.list("p/")).map((o) => o.key),
        ["p/b"],
      );
      assert.equal(store.requestCounts().DELETE >= 1, true);
      assert.equal(store.requestCounts().LIST >= 1, true);
    });

    it("stores an empty object", async () => {
      const store = await open();
      await store.put("empty", Buffer.alloc(0));
      assert.equal((await store.get("empty")).length, 0);
      assert.deepEqual(await store.head("empty"), { key: "empty", size: 0 });
    });

    it("refuses bad keys with INVALID_KEY and never touches the backend", async () => {
      const store = await open();
      for (const key of ["", "/abs", "a/../b", "a//b", "./x"]) {
        await assert.rejects(store.put(key, Buffer.alloc(1)), code(ObjectStoreErrorCode.INVALID_KEY), key);
        await assert.rejects(store.get(key), code(ObjectStoreErrorCode.INVALID_KEY), key);
      }
      await assert.rejects(store.list("../"), code(ObjectStoreErrorCode.INVALID_KEY));
    });

    it("refuses calls after close", async () => {
      const store = await open();
      await store.close();
      await assert.rejects(store.get("x"), code(ObjectStoreErrorCode.CLOSED));
    });
  });
}

export function code(expected: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ObjectStoreError, `expected ObjectStoreError, got ${String(error)}`);
    assert.equal(error.code, expected);
    return true;
  };
}
