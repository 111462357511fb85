// A control plane that stops while brokers long-poll their assignments answers those watches at once: before,
// server.close() waited for each open watch to time out (brokers wait 25 s), so a restart with live brokers
// took that long (seen in e2e/test/cloud-instance/aws-cluster-restart.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { startListeningControlPlane } from "../helpers/listening-control-plane.ts";
import { localSpec } from "../helpers/test-app.ts";

const ADMIN = "cpt_test-admin-token-for-watch-close";
const WATCH_WAIT_MS = 60_000;

describe("closing the control plane", { timeout: 60_000 }, () => {
  it("answers open assignment watches with the current assignments instead of waiting them out", async () => {
    const controlPlane = await startListeningControlPlane(ADMIN);
    let closed = false;
    try {
      const created = await fetch(`${controlPlane.url}/v1/clusters`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "watch-close", spec: localSpec }),
      });
      assert.equal(created.status, 202);
      const { brokerToken } = (await created.json()) as { brokerToken: string };
      const client = new ControlPlaneClient({ baseUrl: controlPlane.url, token: brokerToken, retries: 0 });
      const { brokerId, epoch } = await client.register({
        instanceId: "i-1",
        zone: "zone-a",
        host: "127.0.0.1",
        port: 9091,
      });
      const initial = await client.watchAssignments(brokerId, { epoch, after: -1 });
      const started = Date.now();
      const watching = client.watchAssignments(brokerId, {
        epoch,
        after: initial.version,
        waitMs: WATCH_WAIT_MS,
      });
      await new Promise((resolve) => setTimeout(resolve, 200)); // the watch is waiting on the server
      await controlPlane.cp.close();
      closed = true;
      const answered = await watching;
      assert.equal(answered.version, initial.version, "nothing changed: the same assignments");
      const elapsed = Date.now() - started;
      assert.ok(
        elapsed < WATCH_WAIT_MS / 2,
        `close() and the watch took ${elapsed} ms, not the watch's wait`,
      );
    } finally {
      if (closed) await controlPlane.testDb.drop();
      else await controlPlane.close();
    }
  });
});
