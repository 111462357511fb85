import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { clearBlankVolume, waitForVolume } from "../../../src/controllers/provisioner/local-broker-entry.ts";

const ENTRY = fileURLToPath(
  new URL("../../../src/controllers/provisioner/local-broker-entry.ts", import.meta.url),
);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cirrus-entry-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("waitForVolume returns the volume once it is attached, undefined after the timeout", async () => {
  const volumes = join(dir, "wait");
  await mkdir(volumes);
  assert.equal(await waitForVolume(volumes, 100, 10), undefined);
  setTimeout(() => void writeFile(join(volumes, "vol-1.img"), ""), 50);
  assert.equal(await waitForVolume(volumes, 2_000, 10), join(volumes, "vol-1.img"));
});

test("a never-formatted (all-zero) volume is cleared for the WAL; a formatted one is left alone", async () => {
  const blank = join(dir, "blank.img");
  await writeFile(blank, "");
  await truncate(blank, 1024 * 1024);
  assert.equal(await clearBlankVolume(blank), true);
  assert.equal((await stat(blank)).size, 0);
  const used = join(dir, "used.img");
  await writeFile(used, Buffer.concat([Buffer.from("WALHEADER"), Buffer.alloc(10_000)]));
  assert.equal(await clearBlankVolume(used), false);
  assert.equal((await stat(used)).size, 10_009);
});

function runEntry(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENTRY],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, _out, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

test("the entry points the broker at the attached volume and runs it in the same process", async () => {
  const volumes = join(dir, "entry-volumes");
  await mkdir(volumes);
  await writeFile(join(volumes, "vol-abc.img"), "");
  const out = join(dir, "seen.json");
  const broker = join(dir, "fake-main.mjs");
  await writeFile(
    broker,
    `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(out)}, JSON.stringify({ path: process.env.CIRRUS_VOLUME_PATH, id: process.env.CIRRUS_VOLUME_ID, pid: process.pid }));`,
  );
  const result = await runEntry({ CIRRUS_BROKER_ENTRY: broker, CIRRUS_VOLUME_PATH: volumes });
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(await readFile(out, "utf8"));
  assert.equal(seen.path, join(volumes, "vol-abc.img"));
  assert.equal(seen.id, "vol-abc");
});

test("the entry exits with an error when no volume arrives in time or no broker entry is set", async () => {
  const volumes = join(dir, "never");
  await mkdir(volumes);
  const late = await runEntry({
    CIRRUS_BROKER_ENTRY: "/nonexistent.ts",
    CIRRUS_VOLUME_PATH: volumes,
    CIRRUS_VOLUME_WAIT_MS: "100",
  });
  assert.equal(late.code, 1);
  assert.match(late.stderr, /no WAL volume was attached/);
  const unset = await runEntry({ CIRRUS_BROKER_ENTRY: "", CIRRUS_VOLUME_PATH: volumes });
  assert.equal(unset.code, 1);
  assert.match(unset.stderr, /CIRRUS_BROKER_ENTRY is not set/);
});
