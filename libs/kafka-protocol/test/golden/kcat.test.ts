import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { readRecordBatchHeader } from "../../src/index.ts";
import { CaptureServer } from "../support/capture-server.ts";
import { assertCapturedWalk, assertStoredRecords, recordCapturedWalk, WALK_APIS } from "../support/golden.ts";

// kcat (librdkafka 2.0.2) against the capture server: metadata, produce (idempotent,
// snappy-compressed), a partition consumer and a group consumer.

const run = promisify(execFile);

async function kcat(args: string[], input?: string): Promise<string> {
  const child = run("kcat", args, { timeout: 20_000, killSignal: "SIGKILL" });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

describe("golden bytes: kcat (librdkafka)", { timeout: 90_000 }, () => {
  const server = new CaptureServer();
  before(() => server.start());
  after(() => server.stop());

  it("walks metadata, produce and consume sequences with byte-identical re-encoding", async () => {
    const broker = `${server.host}:${server.port}`;
    const common = ["-b", broker, "-X", "client.id=golden-kcat"];
    const list = await kcat([...common, "-L", "-t", "golden"]);
    assert.match(list, /golden/);
    await kcat(
      [
        ...common,
        "-P",
        "-t",
        "golden",
        "-p",
        "0",
        "-k",
        "k",
        "-X",
        "enable.idempotence=true",
        "-z",
        "snappy",
      ],
      "hello\n",
    );
    for (const codec of ["snappy", "gzip", "lz4", "zstd"]) {
      // librdkafka sends small messages uncompressed when compression would not shrink them
      await kcat([...common, "-P", "-t", "golden", "-p", "0", "-z", codec], `${"hello".repeat(100)}\n`);
    }
    const consumed = await kcat([
      ...common,
      "-C",
      "-t",
      "golden",
      "-p",
      "0",
      "-o",
      "beginning",
      "-c",
      "1",
      "-e",
    ]);
    assert.equal(consumed.trim(), "hello");
    const grouped = await kcat([
      ...common,
      "-X",
      "auto.offset.reset=earliest",
      "-G",
      "golden-kcat-group",
      "-c",
      "1",
      "golden",
    ]);
    assert.equal(grouped.trim(), "hello");

    assertCapturedWalk("kcat", server, [...WALK_APIS, "ListOffsets", "OffsetFetch"]);
    assert.equal(assertStoredRecords(server.logs.values(), /^(hello)+$/), 5);
    const codecs = [...server.logs.values()].flatMap((l) =>
      l.batches.map((b) => readRecordBatchHeader(b).compression),
    );
    // the first, 5-byte message goes uncompressed (librdkafka skips compression that does not shrink)
    assert.deepEqual(codecs, [0, 2, 1, 3, 4], "snappy, gzip, lz4 and zstd batches from librdkafka");
    recordCapturedWalk("kcat", server.frames);
  });
});
