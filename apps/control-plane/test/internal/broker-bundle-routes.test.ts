// GET /internal/v1/broker-bundle/{sha256}: served without a credential (a booting instance has none; the
// bundle holds no secret), only the bundles the control plane knows, immutable and cacheable forever.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { INTERNAL_PREFIX } from "@cirrus/broker-api";
import { type App, build } from "../../src/app.ts";
import type { BrokerBundle } from "../../src/broker-bundle/broker-bundle.ts";
import { loadConfig } from "../../src/config.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

describe("GET /internal/v1/broker-bundle/{sha256}", { timeout: 60_000 }, () => {
  let dir: string;
  let app: App;
  let testDb: TestDatabase;
  let bundle: BrokerBundle;
  const content = Buffer.from("not really gzip, but bytes are bytes: ".repeat(1000));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cirrus-bundle-route-"));
    writeFileSync(join(dir, "bundle.tar.gz"), content);
    bundle = {
      path: join(dir, "bundle.tar.gz"),
      sha256: createHash("sha256").update(content).digest("hex"),
      size: content.length,
      manifest: { format: 1, version: "0.1.0", node: "v24.0.0", platform: "linux", arch: "x64", files: {} },
    };
    testDb = await createTestDatabase("pglite");
    app = await build({
      config: loadConfig({}, { databaseUrl: testDb.url, logLevel: "silent" }),
      database: testDb.database,
      brokerBundles: () => [bundle],
    });
  });
  after(async () => {
    await app?.server.close();
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (sha256: string, headers: Record<string, string> = {}) =>
    app.server.inject({ method: "GET", url: `${INTERNAL_PREFIX}/broker-bundle/${sha256}`, headers });

  it("serves a known bundle without a credential, with immutable caching headers", async () => {
    const response = await get(bundle.sha256);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.rawPayload, content);
    assert.equal(response.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(response.headers.etag, `"${bundle.sha256}"`);
    assert.equal(response.headers["content-type"], "application/gzip");
    assert.equal(Number(response.headers["content-length"]), content.length);
  });

  it("answers a conditional GET with its ETag with 304 and no body", async () => {
    const response = await get(bundle.sha256, { "if-none-match": `"${bundle.sha256}"` });
    assert.equal(response.statusCode, 304);
    assert.equal(response.rawPayload.length, 0);
  });

  it("404 (problem+json) for a hash it does not serve, even a well-formed one", async () => {
    for (const sha of ["0".repeat(64), "nope", "..%2F..%2Fetc%2Fpasswd"]) {
      const response = await get(sha);
      assert.equal(response.statusCode, 404, sha);
      assert.match(String(response.headers["content-type"]), /application\/problem\+json/);
      assert.equal(response.json().status, 404);
    }
  });
});
