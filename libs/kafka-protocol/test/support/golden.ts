import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  apiName,
  decodeRequest,
  encodeRequest,
  iterateRecords,
  verifyRecordBatchCrc,
} from "../../src/index.ts";
import type { CapturedFrame } from "./capture-server.ts";

export const fixturesDir = join(import.meta.dirname, "..", "fixtures");

/** decode → encode must give back every captured frame byte for byte (with its size prefix). */
export function assertByteIdentical(frames: readonly CapturedFrame[]): void {
  for (const captured of frames) {
    const req = decodeRequest(captured.frame);
    // biome-ignore lint/suspicious/noExplicitAny: generic over every API
    const again = encodeRequest(req.header as any, req.body as any);
    assert.deepEqual(
      again.subarray(4),
      captured.frame,
      `${apiName(captured.apiKey)} v${captured.apiVersion} from ${captured.clientId} is not byte-identical`,
    );
    assert.equal(again.readInt32BE(0), captured.frame.length);
  }
}

/** Names like "Produce v9" of the frames, deduplicated, for assertions and reports. */
export function seenApis(frames: readonly CapturedFrame[]): Set<string> {
  return new Set(frames.map((f) => apiName(f.apiKey)));
}

/**
 * With CIRRUS_CAPTURE_FIXTURES=1, keeps one frame per API version under
 * test/fixtures/<client>/ so the byte-identity check also runs without the client.
 */
export function maybeWriteFixtures(client: string, frames: readonly CapturedFrame[]): void {
  if (process.env.CIRRUS_CAPTURE_FIXTURES !== "1") return;
  const dir = join(fixturesDir, client);
  mkdirSync(dir, { recursive: true });
  for (const f of frames) {
    writeFileSync(join(dir, `${apiName(f.apiKey)}-v${f.apiVersion}.bin`), f.frame);
  }
}

/** Every batch the client produced has a valid CRC and decodes (decompressing if needed) to values matching `value`. */
export function assertStoredRecords(logs: Iterable<{ batches: Buffer[] }>, value: RegExp): number {
  let count = 0;
  for (const log of logs) {
    for (const batch of log.batches) {
      verifyRecordBatchCrc(batch);
      for (const record of iterateRecords(batch)) {
        assert.match(String(record.value), value);
        count++;
      }
    }
  }
  assert.ok(count > 0, "no records were produced");
  return count;
}

/** The APIs every client's produce-then-group-consume walk sends, whichever the client. */
export const WALK_APIS = [
  "ApiVersions",
  "Metadata",
  "Produce",
  "InitProducerId",
  "FindCoordinator",
  "JoinGroup",
  "SyncGroup",
  "Fetch",
] as const;

/**
 * What every client's walk against the capture server must show: no frame the server failed on, every
 * API of `expectedApis` sent at least once, and every frame re-encoding byte for byte.
 */
export function assertCapturedWalk(
  client: string,
  capture: { errors: readonly unknown[]; frames: readonly CapturedFrame[] },
  expectedApis: readonly string[],
): void {
  assert.deepEqual(capture.errors, []);
  const apis = seenApis(capture.frames);
  for (const api of expectedApis) {
    assert.ok(apis.has(api), `${client} sent no ${api}`);
  }
  assertByteIdentical(capture.frames);
}

/** After a passing walk: keeps fixtures (see maybeWriteFixtures) and, with CIRRUS_GOLDEN_VERBOSE, lists the versions seen. */
export function recordCapturedWalk(client: string, frames: readonly CapturedFrame[]): void {
  maybeWriteFixtures(client, frames);
  if (process.env.CIRRUS_GOLDEN_VERBOSE) {
    console.log([...new Set(frames.map((f) => `${f.apiKey}v${f.apiVersion}`))].join(" "));
  }
}

/**
 * The ACL binding both golden walks create, describe and delete: 2 = topic, 3 = literal pattern, 4 = WRITE,
 * 3 = ALLOW (the clients' enums carry Kafka's codes). Not READ (3): a swap with the permission's 3 must show.
 */
export const GOLDEN_ACL = {
  resourceType: 2,
  resourceName: "golden",
  resourcePatternType: 3,
  principal: "User:alice",
  host: "*",
  operation: 4,
  permissionType: 3,
} as const;
