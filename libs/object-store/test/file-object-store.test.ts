import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FileObjectStore } from "../src/file-object-store.ts";
import { objectStoreSuite } from "./object-store-suite.ts";

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "cirrus-file-store-"));
  roots.push(root);
  return root;
}

objectStoreSuite("file://", async () => new FileObjectStore(await freshRoot()));

describe("FileObjectStore", () => {
  it("leaves no temporary file behind after a put", async () => {
    const root = await freshRoot();
    const store = new FileObjectStore(root);
    await store.put("d/x", Buffer.alloc(1000, 1));
    assert.deepEqual(await readdir(join(root, "d")), ["x"]);
  });

  it("lists nothing for a prefix whose folder does not exist", async () => {
    const store = new FileObjectStore(await freshRoot());
    assert.deepEqual(await store.list("nope/"), []);
  });
});
