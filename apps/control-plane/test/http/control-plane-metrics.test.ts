import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { type Controller, ControllerRunner } from "../../src/controllers/controller-runner.ts";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

/** The value of one sample line (`name{labels} value`), or undefined when the scrape has no such line. */
function sample(scrape: string, name: string, labels: string): number | undefined {
  const line = scrape.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("GET /metrics", { timeout: 60_000 }, () => {
  let t: TestApp;
  let metricsToken: string;
  let clusterId: string;
  before(async () => {
    t = await createTestApp("pglite");
    const created = await t.app.server.inject({
      method: "POST",
      url: "/v1/tokens",
      headers: t.auth(t.admin),
      payload: { name: "prometheus", scope: "metrics" },
    });
    assert.equal(created.statusCode, 201, created.body);
    metricsToken = created.json().secret;
    const made = await t.app.server.inject({
      method: "POST",
      url: "/v1/clusters",
      headers: t.auth(t.admin),
      payload: { name: "metrics", spec: localSpec },
    });
    clusterId = made.json().cluster.id;
    const broker = { authorization: `Bearer ${made.json().brokerToken}` };
    for (const instanceId of ["i-1", "i-2"]) {
      await t.app.server.inject({
        method: "POST",
        url: "/internal/v1/brokers/register",
        headers: broker,
        payload: { instanceId, zone: "zone-a", host: "127.0.0.1", port: 9092 },
      });
    }
    await t.app.server.inject({
      method: "POST",
      url: `/v1/clusters/${clusterId}/brokers/0/drain`,
      headers: t.auth(t.admin),
    });
  });
  after(() => t.close());

  const scrape = async (token = metricsToken) => {
    const response = await t.app.server.inject({ method: "GET", url: "/metrics", headers: t.auth(token) });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    return response.body;
  };

  it("needs a token; scope metrics scrapes and reads nothing else", async () => {
    const anonymous = await t.app.server.inject({ method: "GET", url: "/metrics" });
    assert.equal(anonymous.statusCode, 401);
    for (const token of [t.viewer, t.operator, t.admin]) await scrape(token);
    const clusters = await t.app.server.inject({
      method: "GET",
      url: "/v1/clusters",
      headers: t.auth(metricsToken),
    });
    assert.equal(clusters.statusCode, 403);
    assert.equal(clusters.json().code, "FORBIDDEN");
  });

  it("counts HTTP requests by method, route template and status code, with their latency", async () => {
    const name = "cirrus_control_plane_http_requests_total";
    const before = await scrape();
    const labels = (route: string, status: number) => `method="GET",route="${route}",status_code="${status}"`;
    const ok = labels("/v1/clusters/:id", 200);
    const missing = labels("/v1/clusters/:id", 404);
    const start = { ok: sample(before, name, ok) ?? 0, missing: sample(before, name, missing) ?? 0 };
    for (const id of [clusterId, clusterId, "00000000-0000-4000-8000-000000000000"]) {
      await t.app.server.inject({ method: "GET", url: `/v1/clusters/${id}`, headers: t.auth(t.admin) });
    }
    await t.app.server.inject({ method: "GET", url: "/no/such/route/1" });
    await t.app.server.inject({ method: "GET", url: "/no/such/route/2" });
    const after = await scrape();
    assert.equal(sample(after, name, ok), start.ok + 2);
    assert.equal(sample(after, name, missing), start.missing + 1);
    // Unknown URLs share one label value: a scanner cannot grow the series without bound.
    assert.equal(sample(after, name, labels("unmatched", 404)), 2);
    assert.equal(sample(after, "cirrus_control_plane_http_request_duration_seconds_count", ok), start.ok + 2);
    assert.equal(
      sample(after, "cirrus_control_plane_http_request_duration_seconds_bucket", `le="+Inf",${ok}`),
      start.ok + 2,
    );
  });

  it("reads operations by type and status and brokers by state from the database at scrape time", async () => {
    const first = await scrape();
    const operations = "cirrus_control_plane_operations";
    assert.equal(sample(first, operations, 'type="cluster.create",status="PENDING"'), 1);
    assert.equal(sample(first, operations, 'type="broker.drain",status="PENDING"'), 1);
    const brokers = "cirrus_control_plane_brokers";
    assert.equal(sample(first, brokers, `cluster_id="${clusterId}",state="ACTIVE"`), 2);
    await t.testDb.database.db.execute(sql`update brokers set state = 'FENCED' where broker_id = 1`);
    const second = await scrape();
    assert.equal(sample(second, brokers, `cluster_id="${clusterId}",state="ACTIVE"`), 1);
    assert.equal(sample(second, brokers, `cluster_id="${clusterId}",state="FENCED"`), 1);
    assert.match(second, /^cirrus_control_plane_metrics_database_errors_total 0$/m);
  });

  it("counts each instrumented controller's passes and failures", async () => {
    let calls = 0;
    const flaky: Controller = {
      name: "flaky",
      async reconcile() {
        calls++;
        if (calls === 2) throw new Error("database went away");
      },
    };
    const quiet: Controller = { name: "quiet", async reconcile() {} };
    const runner = new ControllerRunner(
      { db: t.testDb.database.db, now: Date.now, log: () => {} },
      { intervalMs: 1_000 },
    );
    runner.addController(t.app.context.metrics.instrumentController(flaky));
    runner.addController(t.app.context.metrics.instrumentController(quiet));
    const idle = await scrape();
    assert.equal(
      sample(idle, "cirrus_control_plane_controller_reconcile_failures_total", 'controller="flaky"'),
      0,
    );
    for (let i = 0; i < 3; i++) await runner.runOnce();
    const text = await scrape();
    const passes = "cirrus_control_plane_controller_reconcile_passes_total";
    const failures = "cirrus_control_plane_controller_reconcile_failures_total";
    assert.equal(sample(text, passes, 'controller="flaky"'), 3);
    assert.equal(sample(text, failures, 'controller="flaky"'), 1);
    assert.equal(
      sample(text, passes, 'controller="quiet"'),
      3,
      "a failing controller does not stop the next",
    );
    assert.equal(sample(text, failures, 'controller="quiet"'), 0);
    assert.equal(
      sample(text, "cirrus_control_plane_controller_reconcile_duration_seconds_count", 'controller="flaky"'),
      3,
    );
  });

  it("is in the OpenAPI document as Prometheus text behind a bearer token", async () => {
    const doc = (await t.app.server.inject({ method: "GET", url: "/openapi.json" })).json();
    const operation = doc.paths["/metrics"]?.get;
    assert.ok(operation, "GET /metrics is documented");
    assert.deepEqual(Object.keys(operation.responses["200"].content), ["text/plain"]);
    assert.ok(operation.responses["401"]);
    assert.notDeepEqual(operation.security, [], "not public like the health checks");
  });
});
