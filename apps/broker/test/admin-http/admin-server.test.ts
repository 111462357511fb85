import assert from "node:assert/strict";
import { test } from "node:test";
import { AdminServer } from "../../src/admin-http/admin-server.ts";

test("serves /healthz, /readyz (503 with reasons when not ready), /metrics and 404/405", async () => {
  let ready = false;
  const server = new AdminServer({
    host: "127.0.0.1",
    port: 0,
    contentType: "text/plain; version=0.0.4",
    scrape: async () => "cirrus_broker_network_in_bytes_total 1\n",
    readiness: () => ({ ready, reasons: ready ? [] : ["lease expired"] }),
  });
  const port = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), { ready: false, reasons: ["lease expired"] });
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4");
    assert.match(await metrics.text(), /network_in_bytes_total 1/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);
  } finally {
    await server.close();
  }
});
