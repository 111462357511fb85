// GET /metrics of a control plane started as production starts it (ControlPlane.start): every controller's
// passes are counted, and a first pass after start renews leases (the lease controller's gap count shows).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useListeningControlPlane } from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_test-admin-token-for-the-started-metrics-suite";

describe("GET /metrics of a started control plane", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN, { overrides: { reconcileIntervalMs: 20 } });

  it("counts the passes of every controller ControlPlane.start runs", async () => {
    const read = async () => {
      const response = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      assert.equal(response.status, 200);
      return response.text();
    };
    const passes = (text: string, controller: string) => {
      const line = text
        .split("\n")
        .find((l) =>
          l.startsWith(`cirrus_control_plane_controller_reconcile_passes_total{controller="${controller}"} `),
        );
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
    };
    let text = "";
    for (let i = 0; i < 100; i++) {
      text = await read();
      if (passes(text, "broker-lease") >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const controller of ["broker-lease", "partition-assignment", "retention"])
      assert.ok(passes(text, controller) >= 1, `${controller} passes counted:\n${text.slice(0, 3000)}`);
    assert.match(text, /^cirrus_control_plane_leases_renewed_after_gap_total \d+$/m);
  });
});
