// The web console's build is served at `/` with the single-page app's fallback, while API paths keep their
// problem+json 404s; without a console folder `/` leads to the docs, and a folder with no build says so.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";

const HTML = { accept: "text/html,application/xhtml+xml" };

describe("console at /", { timeout: 60_000 }, () => {
  let dir: string;
  let t: TestApp;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cirrus-console-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>console</title><div id=root></div>");
    writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log('app')");
    t = await createTestApp("pglite", { consoleDir: dir });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves index.html at / and for page addresses the app routes itself", async () => {
    for (const url of ["/", "/clusters/4f0e0c1e-0000-4000-8000-000000000000/topics", "/settings?x=1"]) {
      const page = await t.app.server.inject({ method: "GET", url, headers: HTML });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.headers["content-type"] as string, /^text\/html/);
      assert.equal(page.headers["cache-control"], "no-cache");
      assert.match(page.body, /<div id=root>/);
    }
  });

  it("serves built assets with a long cache, and a missing file is a 404", async () => {
    const asset = await t.app.server.inject({ method: "GET", url: "/assets/index-abc123.js" });
    assert.equal(asset.statusCode, 200);
    assert.match(asset.headers["cache-control"] as string, /immutable/);
    assert.equal(asset.body, "console.log('app')");
    const missing = await t.app.server.inject({ method: "GET", url: "/assets/gone.js", headers: HTML });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "ROUTE_NOT_FOUND");
  });

  it("keeps the API's answers: unknown API paths are problem+json 404s, /openapi.json is JSON", async () => {
    for (const url of ["/v1/nothing-here", "/internal/v1/nothing", "/docs/nothing.html"]) {
      const answer = await t.app.server.inject({ method: "GET", url, headers: HTML });
      assert.equal(answer.statusCode, 404, url);
      assert.match(answer.headers["content-type"] as string, /application\/problem\+json/, url);
    }
    const doc = await t.app.server.inject({ method: "GET", url: "/openapi.json", headers: HTML });
    assert.equal(doc.statusCode, 200);
    assert.equal(doc.json().openapi, "3.1.0");
    const clusters = await t.app.server.inject({ method: "GET", url: "/v1/clusters", headers: HTML });
    assert.equal(clusters.statusCode, 401);
  });

  it("answers a non-browser client that asks for an unknown path with a 404, not the page", async () => {
    const answer = await t.app.server.inject({ method: "GET", url: "/clusters", headers: { accept: "*/*" } });
    assert.equal(answer.statusCode, 404);
    assert.equal(answer.json().code, "ROUTE_NOT_FOUND");
  });
});

describe("console not configured or not built", { timeout: 60_000 }, () => {
  it("without a console folder, / leads to the API docs", async () => {
    const t = await createTestApp("pglite");
    try {
      const root = await t.app.server.inject({ method: "GET", url: "/", headers: HTML });
      assert.equal(root.statusCode, 302);
      assert.equal(root.headers.location, "/docs");
    } finally {
      await t.close();
    }
  });

  it("with a folder that holds no build, / says how to build it (503)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cirrus-console-empty-"));
    const t = await createTestApp("pglite", { consoleDir: dir });
    try {
      const root = await t.app.server.inject({ method: "GET", url: "/", headers: HTML });
      assert.equal(root.statusCode, 503);
      assert.match(root.body, /npm run build -w @cirrus\/console/);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
