// The control plane's own Kafka calls against a broker that requires SASL with the authorizer on and no ACL at all
// for the control plane: the control plane authenticates with its own per-cluster SCRAM credential (generated
// once, never managed by an operator) and brokers treat User:cirrus-control-plane as a super user.
// - SCRAM offered to clients (PLAIN,SCRAM-SHA-512): the message browser and the consumer-group routes work. A
//   Kafka client without credentials, or one that claims to be the control plane with a guessed password, is
//   refused, and the REST API cannot set that user's password (that a super user's AlterUserScramCredentials
//   cannot either is the broker's test: apps/broker/test/security/security-handlers.test.ts).
// - PLAIN only: brokers still accept the reserved users' SCRAM logins (apps/broker/src/handlers/sasl-handlers.ts),
//   so the console's Security tab (SCRAM users, ACLs) and topic messages (produce, browse) work through the REST
//   API; an ACL made there governs a PLAIN client; SCRAM is still not offered to anyone else (a user set through
//   the API cannot log in with it), and PLAIN logins work as before.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import { eventually } from "../../apps/broker/test/helpers/broker-fixture.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";

let cluster: StartedCluster;

const client = (sasl?: SASLOptions, retries = 0) =>
  new Kafka({
    clientId: "cp-auth-test",
    brokers: cluster.bootstrap.split(","),
    logLevel: logLevel.NOTHING,
    retry: { retries },
    connectionTimeout: 5_000,
    ...(sasl ? { sasl } : {}),
  });

// The super user of the broker's configuration, retrying while the new partition opens.
const admin = () => client({ mechanism: "plain", username: "admin", password: "admin-secret" }, 8);

/** One secured single-broker cluster per suite: SASL with `mechanisms`, the authorizer on, admin a super user. */
function securedCluster(mechanisms: string): void {
  before(async () => {
    cluster = await startCluster({
      brokers: 1,
      env: {
        CIRRUS_SASL_MECHANISMS: mechanisms,
        CIRRUS_SASL_USERS: "admin:admin-secret,alice:alice-secret",
        CIRRUS_AUTHORIZER_ENABLED: "true",
        CIRRUS_SUPER_USERS: "User:admin",
        CIRRUS_SECURITY_REFRESH_MS: "500",
      },
    });
  });

  after(async () => {
    await cluster?.stop();
  });
}

/** Whether `sasl` may connect and list topics (a refused login rejects). */
async function logsIn(sasl: SASLOptions): Promise<boolean> {
  const admin = client(sasl).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Creates topic "audit" (one partition) through the REST API; the cluster's id. */
async function createAuditTopic(): Promise<string> {
  const id = cluster.clusterId!;
  const created = await cluster.api("POST", `/v1/clusters/${id}/topics`, { name: "audit", partitions: 1 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return id;
}

/** Partition 0 of "audit" through the REST API's message browser: [offset, value text], newest first. */
async function browseAudit(id: string): Promise<[number, string | null][]> {
  const page = await cluster.api<{ messages: { offset: number; value: { text: string | null } }[] }>(
    "GET",
    `/v1/clusters/${id}/topics/audit/partitions/0/messages`,
  );
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.messages.map((m) => [m.offset, m.value.text]);
}

describe("the control plane's Kafka calls to a cluster with SASL (SCRAM offered) and the authorizer on", () => {
  securedCluster("PLAIN,SCRAM-SHA-512");

  test("message browser and consumer groups work with no ACL for the control plane; others are refused", {
    timeout: 120_000,
  }, async () => {
    const id = await createAuditTopic();

    const producer = admin().producer();
    await producer.connect();
    await producer.send({ topic: "audit", messages: [{ key: "k", value: "hello secured" }] });
    await producer.disconnect();
    const adminClient = admin().admin();
    await adminClient.connect();
    await adminClient.setOffsets({
      groupId: "auditors",
      topic: "audit",
      partitions: [{ partition: 0, offset: "0" }],
    });
    await adminClient.disconnect();

    assert.deepEqual(await browseAudit(id), [[0, "hello secured"]]);

    const groups = await cluster.api("GET", `/v1/clusters/${id}/consumer-groups`);
    assert.equal(groups.status, 200, JSON.stringify(groups.body));
    assert.match(JSON.stringify(groups.body), /"auditors"/);
    const group = await cluster.api("GET", `/v1/clusters/${id}/consumer-groups/auditors`);
    assert.equal(group.status, 200, JSON.stringify(group.body));
    assert.match(JSON.stringify(group.body), /"lag":1/);

    // No credentials: the broker serves nothing but ApiVersions and SASL before authentication.
    const anonymous = client().admin();
    await assert.rejects(async () => {
      await anonymous.connect();
      await anonymous.listTopics();
    });
    await anonymous.disconnect().catch(() => {});
    // The control plane's user with a guessed password: SCRAM refuses it.
    const impostor = client({
      mechanism: "scram-sha-512",
      username: "cirrus-control-plane",
      password: "guess",
    });
    const impostorAdmin = impostor.admin();
    await assert.rejects(async () => {
      await impostorAdmin.connect();
      await impostorAdmin.listTopics();
    }, /SASL|authentication|Authentication/);
    await impostorAdmin.disconnect().catch(() => {});

    // The REST API cannot set its password (AlterUserScramCredentials: security-handlers.test.ts).
    const put = await cluster.api("PUT", `/v1/clusters/${id}/users/cirrus-control-plane`, {
      password: "mine-now",
    });
    assert.equal(put.status, 403, JSON.stringify(put.body));
    // The control plane still works after those attempts.
    const again = await cluster.api("GET", `/v1/clusters/${id}/topics/audit/partitions/0/messages`);
    assert.equal(again.status, 200, JSON.stringify(again.body));
  });
});

describe("the control plane's Kafka calls to a cluster with SASL PLAIN only and the authorizer on", () => {
  securedCluster("PLAIN");

  test("SCRAM users, ACLs, produce and browse work through the REST API; PLAIN clients as before", {
    timeout: 120_000,
  }, async () => {
    const id = await createAuditTopic();

    // Security tab: SCRAM users.
    const put = await cluster.api("PUT", `/v1/clusters/${id}/users/bob`, { password: "bob-password" });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const users = await cluster.api<{ items: { name: string }[] }>("GET", `/v1/clusters/${id}/users`);
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.deepEqual(
      users.body.items.map((u) => u.name),
      ["bob"],
    );
    // Brokers that offer clients PLAIN only do not let an ordinary user log in with SCRAM.
    assert.equal(
      await logsIn({ mechanism: "scram-sha-256", username: "bob", password: "bob-password" }),
      false,
    );

    // Security tab: ACLs. alice (a PLAIN user, not a super user) may not write until the API grants it.
    const aliceSends = async (value: string) => {
      const producer = client({ mechanism: "plain", username: "alice", password: "alice-secret" }).producer();
      try {
        await producer.connect();
        await producer.send({ topic: "audit", messages: [{ value }] });
        return true;
      } catch {
        return false;
      } finally {
        await producer.disconnect().catch(() => {});
      }
    };
    assert.equal(await aliceSends("refused"), false, "alice writes without an ACL");
    const binding = {
      resourceType: "TOPIC",
      resourceName: "audit",
      patternType: "LITERAL",
      principal: "User:alice",
      host: "*",
      operation: "WRITE",
      permission: "ALLOW",
    };
    const granted = await cluster.api("POST", `/v1/clusters/${id}/acls`, binding);
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    const acls = await cluster.api<{ items: unknown[] }>("GET", `/v1/clusters/${id}/acls`);
    assert.equal(acls.status, 200, JSON.stringify(acls.body));
    assert.deepEqual(acls.body.items, [binding]);
    await eventually(() => aliceSends("from alice"), 15_000, "alice's grant reaches the broker");

    // Topic messages: produce and browse through the control plane's own (SCRAM) Kafka connection.
    const produced = await cluster.api("POST", `/v1/clusters/${id}/topics/audit/partitions/0/messages`, {
      value: "from the console",
    });
    assert.equal(produced.status, 201, JSON.stringify(produced.body));
    assert.deepEqual(produced.body, { partition: 0, offset: 1 });
    assert.deepEqual(await browseAudit(id), [
      [1, "from the console"],
      [0, "from alice"],
    ]);

    // PLAIN logins: the configured users' work, the control plane's user has no PLAIN password to guess.
    assert.equal(await logsIn({ mechanism: "plain", username: "admin", password: "admin-secret" }), true);
    assert.equal(
      await logsIn({ mechanism: "plain", username: "cirrus-control-plane", password: "guess" }),
      false,
    );
  });
});
