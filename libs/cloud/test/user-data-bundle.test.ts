import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CloudErrorCode, isCloudError } from "../src/errors.ts";
import type { LaunchSpec } from "../src/provider.ts";
import { buildUserData } from "../src/user-data.ts";

const run = promisify(execFile);

/** Runs a boot script with bash and only a stock PATH; resolves with its exit code and output. */
async function boot(userData: string, dir: string) {
  const script = join(dir, `boot-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(script, Buffer.from(userData, "base64"));
  try {
    const { stdout, stderr } = await run("bash", [script], {
      env: { PATH: "/usr/bin:/bin", CIRRUS_BOOT_DIR: join(dir, "boot") },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("buildUserData with a bundle", () => {
  let dir: string;
  let tarball: Buffer;
  let sha256: string;
  let server: Server;
  let base: string;
  let failuresLeft = 0;
  let requests = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cirrus-userdata-bundle-"));
    const root = join(dir, "src", "cirrus-broker", "bin");
    mkdirSync(root, { recursive: true });
    writeFileSync(
      join(root, "run"),
      '#!/bin/sh\nprintf "%s|%s|%s" "$(cd "$(dirname "$0")/.." && pwd)" "$CIRRUS_FLEET" "$*"\n',
      { mode: 0o755 },
    );
    execFileSync("tar", ["-czf", join(dir, "b.tar.gz"), "-C", join(dir, "src"), "cirrus-broker"]);
    tarball = readFileSync(join(dir, "b.tar.gz"));
    sha256 = createHash("sha256").update(tarball).digest("hex");
    server = createServer((request, response) => {
      requests++;
      if (failuresLeft > 0) {
        failuresLeft--;
        response.writeHead(503).end();
        return;
      }
      if (request.url === "/bundle") response.writeHead(200).end(tarball);
      else if (request.url === "/tampered")
        response.writeHead(200).end(Buffer.concat([tarball, Buffer.from("x")]));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const launch = (url: string, extra: Partial<NonNullable<LaunchSpec["bundle"]>> = {}): LaunchSpec => ({
    command: "bin/run",
    args: ["--flag", "it's"],
    env: {},
    bundle: { url, sha256, attempts: 3, retryDelaySeconds: 0.05, ...extra },
  });

  it("downloads, verifies and unpacks the bundle, then runs the relative command from it", async () => {
    const bootDir = join(dir, "boot");
    rmSync(bootDir, { recursive: true, force: true });
    const result = await boot(buildUserData(launch(`${base}/bundle`), { CIRRUS_FLEET: "f1" }), dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${bootDir}/bundle-${sha256}|f1|--flag it's`);
    const before = requests;
    const again = await boot(buildUserData(launch(`${base}/bundle`), { CIRRUS_FLEET: "f1" }), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(requests, before, "a reboot reuses the verified bundle without downloading it again");
  });

  it("refuses to start when the download does not match the sha256", async () => {
    rmSync(join(dir, "boot"), { recursive: true, force: true });
    const result = await boot(buildUserData(launch(`${base}/tampered`), { CIRRUS_FLEET: "f1" }), dir);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`cirrus-boot: refusing to start: broker bundle sha256 is [0-9a-f]{64}, expected ${sha256}`),
    );
    assert.equal(result.stdout, "", "nothing ran");
  });

  it("retries with backoff while the server fails, then starts", async () => {
    rmSync(join(dir, "boot"), { recursive: true, force: true });
    failuresLeft = 2;
    const result = await boot(buildUserData(launch(`${base}/bundle`), { CIRRUS_FLEET: "f1" }), dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /download failed \(attempt 1 of 3\), retrying in 0\.050s/);
    assert.match(result.stderr, /download failed \(attempt 2 of 3\), retrying in 0\.100s/);
  });

  it("gives up with a clear line when the server stays unreachable", async () => {
    rmSync(join(dir, "boot"), { recursive: true, force: true });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${port}/bundle`;
    const result = await boot(buildUserData(launch(url), {}), dir);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.match(/download failed/g)?.length, 2);
    assert.match(
      result.stderr,
      new RegExp(`cirrus-boot: giving up: broker bundle not downloadable from ${url} after 3 attempts`),
    );
    assert.equal(result.stdout, "");
  });

  it("rejects a malformed sha256, url or retry setting", () => {
    for (const bad of [
      { sha256: "ABC" },
      { url: "file:///etc/passwd" },
      { attempts: 0 },
      { retryDelaySeconds: 31 },
    ]) {
      assert.throws(
        () => buildUserData(launch(`${base}/bundle`, bad), {}),
        (e: unknown) => isCloudError(e) && e.code === CloudErrorCode.INVALID_ARGUMENT,
        JSON.stringify(bad),
      );
    }
  });
});
