// The broker's copy of the cluster's ACLs and SCRAM users: the periodic check reads the whole snapshot only when
// the control plane's version moved, a change this broker made is read at once, and a control plane that does
// not answer leaves the last snapshot enforced (never an empty one).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SecuritySnapshot } from "@cirrus/broker-api";
import { ClusterSecurity } from "../../src/security/cluster-security.ts";

function source() {
  const state = {
    snapshot: { version: 1, acls: [], scramCredentials: [] } as SecuritySnapshot,
    reads: 0,
    down: false,
  };
  return {
    state,
    security: async () => {
      if (state.down) throw new Error("control plane away");
      state.reads++;
      return state.snapshot;
    },
    securityVersion: async () => {
      if (state.down) throw new Error("control plane away");
      return { version: state.snapshot.version };
    },
  };
}

const grant = {
  resourceType: "TOPIC",
  resourceName: "t",
  patternType: "LITERAL",
  principal: "User:alice",
  host: "*",
  operation: "READ",
  permission: "ALLOW",
} as const;
const alice = { principal: "User:alice", host: "h" };

describe("ClusterSecurity", () => {
  const settings = { refreshMs: 60_000, superUsers: ["User:root"], allowEveryoneIfNoAclFound: false };

  it("authorizes only super users before its first snapshot", () => {
    const security = new ClusterSecurity(source(), settings);
    assert.equal(security.loaded, false);
    assert.equal(security.authorizer.authorize(alice, "READ", "TOPIC", "t"), false);
    assert.equal(
      security.authorizer.authorize(
        { principal: "User:root", host: "h" },
        "ALTER",
        "CLUSTER",
        "kafka-cluster",
      ),
      true,
    );
  });

  it("re-reads the snapshot only when the version moved", async () => {
    const src = source();
    const security = new ClusterSecurity(src, settings);
    await security.refreshIfChanged();
    assert.equal(src.state.reads, 1);
    await security.refreshIfChanged();
    assert.equal(src.state.reads, 1, "same version: no read");
    src.state.snapshot = { version: 2, acls: [grant], scramCredentials: [] };
    await security.refreshIfChanged();
    assert.equal(src.state.reads, 2);
    assert.equal(security.authorizer.authorize(alice, "READ", "TOPIC", "t"), true);
    await security.refreshAfterChange();
    assert.equal(src.state.reads, 3, "after its own change a broker reads at once");
  });

  it("keeps enforcing the last snapshot while the control plane does not answer", async () => {
    const src = source();
    src.state.snapshot = { version: 5, acls: [grant], scramCredentials: [] };
    const logged: string[] = [];
    const security = new ClusterSecurity(src, { ...settings, log: (m) => logged.push(m) });
    await security.refresh();
    src.state.down = true;
    await security.refreshIfChanged();
    await security.refresh();
    assert.equal(security.authorizer.authorize(alice, "READ", "TOPIC", "t"), true);
    assert.equal(logged.length, 1, "logged once, not on every attempt");
    src.state.down = false;
    await security.refreshIfChanged();
    assert.match(logged[1] ?? "", /read again/);
  });
});
