// The control plane's own Kafka calls against a broker that requires SASL (SCRAM only) with the authorizer on and
// no ACL at all for the control plane: the message browser and the consumer-group routes work, because the
// control plane authenticates with its own per-cluster SCRAM credential (generated once, never managed by an
// operator) and brokers treat User:cirrus-control-plane as a super user. A Kafka client without credentials, or
// one that claims to be the control plane with a guessed password, is refused, and the REST API cannot set that
// user's password (that a super user's AlterUserScramCredentials cannot either is the broker's test:
// apps/broker/test/security/security-handlers.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
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

describe("the control plane's Kafka calls to a cluster with SASL and the authorizer on", () => {
  before(async () => {
    cluster = await startCluster({
      brokers: 1,
      env: {
        CIRRUS_SASL_MECHANISMS: "PLAIN,SCRAM-SHA-512",
        CIRRUS_SASL_USERS: "admin:admin-secret",
        CIRRUS_AUTHORIZER_ENABLED: "true",
        CIRRUS_SUPER_USERS: "User:admin",
        CIRRUS_SECURITY_REFRESH_MS: "500",
      },
    });
  });

  after(async () => {
    await cluster?.stop();
  });

  test("message browser and consumer groups work with no ACL for the control plane; others are refused", {
    timeout: 120_000,
  }, async () => {
    const id = cluster.clusterId!;
    const created = await cluster.api("POST", `/v1/clusters/${id}/topics`, { name: "audit", partitions: 1 });
    assert.equal(created.status, 201, JSON.stringify(created.body));

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

    const page = await cluster.api<{ messages: { offset: number; value: { text: string | null } }[] }>(
      "GET",
      `/v1/clusters/${id}/topics/audit/partitions/0/messages`,
    );
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.deepEqual(
      page.body.messages.map((m) => [m.offset, m.value.text]),
      [[0, "hello secured"]],
    );

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
