// The broker bundle (apps/control-plane src/broker-bundle): one tarball named by its sha256, holding the broker
// as single-file ESM, the Node 24 runtime and the native addons, with a manifest; it runs with no node on PATH.
// Built once per run into the harness's cache (e2e/.build/broker-bundle), shared with the emulated clouds.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type BrokerBundle, buildBrokerBundle, loadBrokerBundle } from "@cirrus/control-plane";
import { BROKER_MAIN, sharedBrokerBundle } from "../../harness/cloud-instance/broker-bundle.ts";

describe("buildBrokerBundle", { timeout: 180_000 }, () => {
  let bundle: BrokerBundle;
  let dir: string;

  before(async () => {
    bundle = await sharedBrokerBundle();
    dir = mkdtempSync(join(tmpdir(), "cirrus-bundle-"));
    execFileSync("tar", ["-xzf", bundle.path, "-C", dir]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is named by its sha256 and carries a manifest of every file's sha256", () => {
    const bytes = readFileSync(bundle.path);
    assert.equal(bundle.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(bundle.size, bytes.length);
    const manifest = JSON.parse(readFileSync(join(dir, "cirrus-broker", "manifest.json"), "utf8"));
    assert.deepEqual(manifest, bundle.manifest);
    assert.equal(manifest.version, "0.1.0");
    assert.equal(manifest.arch, process.arch);
    assert.equal(manifest.node, process.version);
    for (const file of ["bin/node", "bin/cirrus-broker", "broker.mjs", "block-verifier-worker.mjs"])
      assert.ok(manifest.files[file], file);
    for (const [file, sha] of Object.entries(manifest.files)) {
      const actual = createHash("sha256")
        .update(readFileSync(join(dir, "cirrus-broker", file)))
        .digest("hex");
      assert.equal(actual, sha, file);
    }
    assert.ok(!Object.keys(manifest.files).some((f) => f.endsWith(".ts")), "no TypeScript at runtime");
  });

  it("a second build of the same inputs is found in the cache (keyed by their content hash)", async () => {
    // The tarball is reproducible, so a rebuild would have the same sha256: what only the cache can answer is
    // a record planted under the inputs' key (the folder of the built bundle) in a fresh cache folder.
    const cacheDir = join(dir, "cache");
    const key = basename(dirname(bundle.path));
    mkdirSync(join(cacheDir, key), { recursive: true });
    const planted = { ...bundle, path: join(cacheDir, key, "bundle.tar.gz"), size: -1 };
    writeFileSync(join(cacheDir, key, "bundle.json"), JSON.stringify(planted));
    const again = await buildBrokerBundle({ brokerEntry: BROKER_MAIN, cacheDir });
    assert.deepEqual(again, planted, "the cached record, not a rebuild");
  });

  it("a build or cache hit evicts all but the `keep` most recently used bundles and the one it returns", async () => {
    const cacheDir = join(dir, "evicting-cache");
    const key = basename(dirname(bundle.path));
    const plant = (folder: string, ageS: number) => {
      mkdirSync(join(cacheDir, folder), { recursive: true });
      writeFileSync(
        join(cacheDir, folder, "bundle.json"),
        JSON.stringify({ ...bundle, path: join(cacheDir, folder, "bundle.tar.gz") }),
      );
      const at = new Date(Date.now() - ageS * 1000);
      utimesSync(join(cacheDir, folder, "bundle.json"), at, at);
    };
    // The bundle these inputs name was last used longest ago: the hit makes it the newest again.
    plant(key, 900);
    plant("older-broker-a", 10);
    plant("older-broker-b", 20);
    plant("older-broker-c", 30);
    const again = await buildBrokerBundle({ brokerEntry: BROKER_MAIN, cacheDir, keep: 2 });
    assert.equal(again.path, join(cacheDir, key, "bundle.tar.gz"), "the cached record");
    assert.deepEqual(readdirSync(cacheDir).sort(), [key, "older-broker-a"].sort());
  });

  it("runs its own Node 24 and starts the bundled broker with no node on PATH", async () => {
    const root = join(dir, "cirrus-broker");
    assert.match(execFileSync(join(root, "bin", "node"), ["--version"], { encoding: "utf8" }), /^v24\./);
    const work = mkdtempSync(join(tmpdir(), "cirrus-bundle-run-"));
    const child = spawn(join(root, "bin", "cirrus-broker"), ["--heap-growing-percent=300"], {
      cwd: work,
      env: {
        PATH: "/usr/bin:/bin",
        CIRRUS_CONTROL_PLANE_URL: "http://127.0.0.1:9",
        CIRRUS_ADMIN_PORT: "0",
        CIRRUS_KAFKA_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    try {
      const deadline = Date.now() + 30_000;
      // Every module loaded (native addons included): it got as far as registering with the control plane.
      while (
        !/registration attempt 1 failed/.test(output) &&
        child.exitCode === null &&
        Date.now() < deadline
      )
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(output, /broker: starting /);
      assert.match(output, /registration attempt 1 failed/, output.slice(0, 2000));
      assert.doesNotMatch(output, /Cannot find module|ERR_MODULE_NOT_FOUND/);
    } finally {
      child.kill("SIGKILL");
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("loadBrokerBundle reads an operator's bundle like a built one, and refuses what is not one", async () => {
    const loaded = await loadBrokerBundle(bundle.path);
    assert.equal(loaded.sha256, bundle.sha256);
    assert.deepEqual(loaded.manifest, bundle.manifest);
    const junk = join(dir, "junk.tar.gz");
    writeFileSync(junk, "junk");
    await assert.rejects(loadBrokerBundle(junk), /is not a broker bundle/);
  });

  it("names the missing native addon for an architecture it has none for", async () => {
    await assert.rejects(
      buildBrokerBundle({ brokerEntry: BROKER_MAIN, cacheDir: dir, arch: "riscv64" }),
      /native addon \S+-linux-riscv64-gnu is not installed.*CIRRUS_BROKER_BUNDLE/,
    );
  });
});
