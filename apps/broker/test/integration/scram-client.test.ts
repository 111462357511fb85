// @cirrus/kafka-protocol/client's SCRAM client (what the control plane authenticates to brokers with) against this
// broker's SASL server over TCP, on a broker offering PLAIN and SCRAM-SHA-256 only: the client falls back from
// SCRAM-SHA-512 to SCRAM-SHA-256 and is served; a wrong password or an unknown user is a SaslAuthenticationError
// and a closed connection, never a connection that looks authenticated. SCRAM-SHA-512 and a broker without SASL
// are covered by e2e/test/control-plane-kafka-auth.test.ts and the control plane's route tests. Logging in again
// with the same credential object reuses its salted password (PBKDF2 once).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey } from "@cirrus/kafka-protocol";
import {
  authenticateIfRequired,
  KafkaClientConnection,
  SaslAuthenticationError,
} from "@cirrus/kafka-protocol/client";
import type { BrokerHandle } from "../../src/index.ts";
import { startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

let cp: TestControlPlane;
const brokers: Record<string, BrokerHandle> = {};
const users = new Map([["carol", "carol-secret"]]);

before(async () => {
  cp = await startControlPlane();
  brokers.sha256 = await startTestBroker(cp, "scram-256", {
    saslMechanisms: ["SCRAM-SHA-256"],
    saslUsers: users,
  });
});

after(async () => {
  for (const b of Object.values(brokers)) await b.close();
  await cp?.close();
});

const open = (broker: BrokerHandle) => {
  const [host, port] = broker.bootstrap.split(":");
  return KafkaClientConnection.open(host!, Number(port), {
    clientId: "scram-client-test",
    connectTimeoutMs: 5_000,
  });
};

// ListGroups is served from the broker's own state (no call to the control plane), and only once authenticated.
const listGroups = (c: KafkaClientConnection) => c.request(ApiKey.ListGroups, 4, { statesFilter: [] }, 5_000);

describe("SCRAM client against the broker", () => {
  it("authenticates with the strongest mechanism offered, then requests are served", async () => {
    for (const [name, expected] of [["sha256", "SCRAM-SHA-256"]] as const) {
      const c = await open(brokers[name]!);
      assert.equal(
        await authenticateIfRequired(c, { user: "carol", password: "carol-secret" }, 5_000),
        expected,
      );
      assert.equal((await listGroups(c)).errorCode, 0, name);
      c.close();
    }
  });

  it("refuses a wrong password and an unknown user, closing the connection", async () => {
    const wrong = await open(brokers.sha256!);
    await assert.rejects(
      authenticateIfRequired(wrong, { user: "carol", password: "not-hers" }, 5_000),
      (e: Error) => e instanceof SaslAuthenticationError && /carol/.test(e.message),
    );
    assert.equal(wrong.failed, true);
    const unknown = await open(brokers.sha256!);
    await assert.rejects(
      authenticateIfRequired(unknown, { user: "mallory", password: "x" }, 5_000),
      SaslAuthenticationError,
    );
    // Without authenticating, a SASL broker serves nothing but ApiVersions and SASL.
    const anonymous = await open(brokers.sha256!);
    const refused = await listGroups(anonymous).then(
      () => "served",
      () => "refused",
    );
    assert.equal(refused, "refused");
    anonymous.close();
  });

  it("derives the salted password once per credential object, and every login with it is served", async () => {
    let reads = 0;
    const credential = {
      user: "carol",
      get password() {
        reads++;
        return "carol-secret";
      },
    };
    for (let i = 0; i < 3; i++) {
      const c = await open(brokers.sha256!);
      assert.equal(await authenticateIfRequired(c, credential, 5_000), "SCRAM-SHA-256");
      assert.equal((await listGroups(c)).errorCode, 0);
      c.close();
    }
    assert.equal(reads, 1, "PBKDF2 ran once for three logins");
  });
});
