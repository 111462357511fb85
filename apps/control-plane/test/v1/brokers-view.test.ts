import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recordBrokerInstanceTypes } from "../../src/controllers/provisioner/broker-instance-types.ts";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

interface BrokerItem {
  instanceId: string;
  host: string;
  adminPort: number | null;
  metricsUrl: string | null;
  spot: boolean;
  instanceType: string | null;
}

describe("GET /v1/clusters/{id}/brokers: admin port and metrics URL", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  let broker: { authorization: string };
  before(async () => {
    t = await createTestApp("pglite");
    const made = await t.app.server.inject({
      method: "POST",
      url: "/v1/clusters",
      headers: t.auth(t.admin),
      payload: { name: "brokers-view", spec: localSpec },
    });
    clusterId = made.json().cluster.id;
    broker = { authorization: `Bearer ${made.json().brokerToken}` };
  });
  after(() => t.close());

  const register = (payload: Record<string, unknown>) =>
    t.app.server.inject({ method: "POST", url: "/internal/v1/brokers/register", headers: broker, payload });
  const brokers = async (): Promise<BrokerItem[]> =>
    (
      await t.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${clusterId}/brokers`,
        headers: t.auth(t.viewer),
      })
    ).json().items;
  const base = { zone: "zone-a", host: "10.0.0.7", port: 9092 };

  it("serves the admin port a broker registered with, and where to scrape it", async () => {
    assert.equal((await register({ ...base, instanceId: "i-1", adminPort: 9644 })).statusCode, 200);
    const [b] = await brokers();
    assert.equal(b?.adminPort, 9644);
    assert.equal(b?.metricsUrl, "http://10.0.0.7:9644/metrics");
  });

  it("brackets an IPv6 host in the URL", async () => {
    await register({ ...base, instanceId: "i-6", host: "fd00::7", adminPort: 9644 });
    const b = (await brokers()).find((x) => x.instanceId === "i-6");
    assert.equal(b?.metricsUrl, "http://[fd00::7]:9644/metrics");
  });

  it("says null when a broker registers without one, also after it had one", async () => {
    await register({ ...base, instanceId: "i-2" });
    assert.deepEqual(
      (await brokers()).filter((x) => x.instanceId === "i-2").map((x) => [x.adminPort, x.metricsUrl]),
      [[null, null]],
    );
    await register({ ...base, instanceId: "i-1" });
    const again = (await brokers()).find((x) => x.instanceId === "i-1");
    assert.equal(again?.adminPort, null, "the new registration is what counts");
    assert.equal(again?.metricsUrl, null);
  });

  it("refuses an admin port out of range", async () => {
    for (const adminPort of [0, 65_536, "9644"]) {
      const refused = await register({ ...base, instanceId: "i-bad", adminPort });
      assert.equal(refused.statusCode, 400, `adminPort ${JSON.stringify(adminPort)}`);
    }
    assert.ok(!(await brokers()).some((x) => x.instanceId === "i-bad"));
  });

  it("does not take spot from the broker (the provisioner sets it from the provider)", async () => {
    assert.equal((await register({ ...base, instanceId: "i-3", spot: true })).statusCode, 200);
    assert.equal((await brokers()).find((x) => x.instanceId === "i-3")?.spot, false);
  });

  it("shows the instance type once the provisioner has seen it from the provider, null before", async () => {
    assert.equal((await register({ ...base, instanceId: "i-4" })).statusCode, 200);
    assert.equal((await brokers()).find((x) => x.instanceId === "i-4")?.instanceType, null);
    await recordBrokerInstanceTypes(t.testDb.database.db, clusterId, [
      { id: "i-4", instanceType: "m7g.large" },
    ]);
    assert.equal((await brokers()).find((x) => x.instanceId === "i-4")?.instanceType, "m7g.large");
  });
});
