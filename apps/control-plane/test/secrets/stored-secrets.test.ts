// The control plane's per-cluster Kafka super-user credential at rest: the database row holds no secret in clear
// (only a value sealed to that row), brokers' SCRAM keys still verify the secret the control plane logs in with, a
// row that does not open answers 503 CREDENTIAL_UNREADABLE for that cluster alone (and never becomes a new
// credential), and the start-up step seals rows written in clear and re-seals rows under an old key, idempotently.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  CONTROL_PLANE_KAFKA_USER,
  INTER_BROKER_KAFKA_USER,
  InternalRoutes,
  internalPath,
} from "@cirrus/broker-api";
import { SCRAM_HASH_OF, scramCredential } from "@cirrus/kafka-protocol";
import { and, eq } from "drizzle-orm";
import { ControlPlane } from "../../src/control-plane.ts";
import type { Db } from "../../src/db/database.ts";
import {
  brokers,
  clusters,
  controlPlaneKafkaCredentials,
  idempotencyKeys,
  partitions,
  topics,
} from "../../src/db/schema.ts";
import { sealStoredSecrets } from "../../src/secrets/seal-stored-secrets.ts";
import { isSealed, SecretBox } from "../../src/secrets/secret-box.ts";
import { unconfiguredKeyWarning } from "../../src/secrets/unconfigured-key-warning.ts";
import {
  controlPlaneCredentialAad,
  controlPlaneKafkaCredential,
  ensureControlPlaneKafkaCredential,
  interBrokerKafkaCredential,
} from "../../src/services/control-plane-kafka-credential.ts";
import { KafkaTestLeader } from "../helpers/kafka-test-leader.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";
import { TEST_SECRETS_KEY, testBackends } from "../helpers/test-database.ts";

/** A cluster's row of one reserved user (the control plane's by default). */
const storedRow = async (db: Db, clusterId: string, user: string = CONTROL_PLANE_KAFKA_USER) => {
  const [row] = await db
    .select()
    .from(controlPlaneKafkaCredentials)
    .where(
      and(
        eq(controlPlaneKafkaCredentials.clusterId, clusterId),
        eq(controlPlaneKafkaCredentials.userName, user),
      ),
    );
  return row;
};

/** Flips one bit of a sealed value's ciphertext: still well formed, no longer authentic. */
const tampered = (sealed: string) => {
  const parts = sealed.split(":");
  const ciphertext = Buffer.from(parts[4]!, "base64url");
  ciphertext[0]! ^= 1;
  parts[4] = ciphertext.toString("base64url");
  return parts.join(":");
};

for (const backend of testBackends()) {
  describe(`stored secrets (${backend})`, { timeout: 60_000 }, () => {
    let t: TestApp;
    let db: Db;
    let leader: KafkaTestLeader;
    const testKey = Buffer.from(TEST_SECRETS_KEY, "base64");

    /** A cluster with topic `events` whose partition 0 is led by the test leader. */
    const clusterWithLeader = async (name: string) => {
      const cluster = await createLocalCluster(t, name);
      const made = await t.app.server.inject({
        method: "POST",
        url: `/v1/clusters/${cluster.id}/topics`,
        headers: t.auth(t.operator),
        payload: { name: "events", partitions: 1 },
      });
      assert.equal(made.statusCode, 201, made.body);
      const now = Date.now();
      await db.insert(brokers).values({
        clusterId: cluster.id,
        brokerId: 0,
        instanceId: `leader-${name}`,
        zone: "zone-a",
        host: "127.0.0.1",
        port: leader.port,
        epoch: 1,
        state: "ACTIVE",
        leaseUntil: now + 3_600_000,
        registeredAt: now,
      });
      const [topic] = await db.select({ id: topics.id }).from(topics).where(eq(topics.clusterId, cluster.id));
      await db.update(partitions).set({ leaderBrokerId: 0 }).where(eq(partitions.topicId, topic!.id));
      return cluster;
    };
    const readMessages = (clusterId: string) =>
      t.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${clusterId}/topics/events/partitions/0/messages`,
        headers: t.auth(t.viewer),
      });

    before(async () => {
      t = await createTestApp(backend);
      db = t.testDb.database.db;
      leader = await new KafkaTestLeader("events", 0).start();
    });
    after(async () => {
      await leader?.stop();
      await t?.close();
    });

    it("keeps the credential sealed to its row: no secret in clear, and brokers' SCRAM keys verify it", async () => {
      const { id } = await createLocalCluster(t, "sealed");
      const credential = await controlPlaneKafkaCredential(db, id);
      assert.equal(credential.user, CONTROL_PLANE_KAFKA_USER);
      const row = (await storedRow(db, id))!;
      assert.ok(isSealed(row.secret), row.secret);
      assert.ok(!row.secret.includes(credential.password));
      assert.ok(!JSON.stringify(row).includes(credential.password));
      assert.ok(!row.secret.includes(Buffer.from(credential.password).toString("base64")));
      assert.equal(
        new SecretBox(testKey).open(row.secret, controlPlaneCredentialAad(id)),
        credential.password,
      );
      // What brokers verify with is derived from the very secret the control plane logs in with.
      for (const stored of row.scram as {
        mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512";
        salt: string;
        iterations: number;
        storedKey: string;
      }[]) {
        const derived = scramCredential(
          credential.password,
          Buffer.from(stored.salt, "base64"),
          stored.iterations,
          SCRAM_HASH_OF[stored.mechanism],
        );
        assert.equal(derived.storedKey.toString("base64"), stored.storedKey);
      }
      // A copy of this row's value into another cluster's row does not open there.
      const other = await createLocalCluster(t, "sealed-other");
      await ensureControlPlaneKafkaCredential(db, other.id);
      await db
        .update(controlPlaneKafkaCredentials)
        .set({ secret: row.secret })
        .where(eq(controlPlaneKafkaCredentials.clusterId, other.id));
      await assert.rejects(controlPlaneKafkaCredential(db, other.id), { code: "CREDENTIAL_UNREADABLE" });
    });

    it("keeps the inter-broker credential sealed to its own row: the control plane's sealed value does not open there", async () => {
      const { id } = await createLocalCluster(t, "sealed-inter-broker");
      const credential = await interBrokerKafkaCredential(db, id);
      assert.equal(credential.user, INTER_BROKER_KAFKA_USER);
      const row = (await storedRow(db, id, INTER_BROKER_KAFKA_USER))!;
      assert.ok(isSealed(row.secret), row.secret);
      assert.ok(!JSON.stringify(row).includes(credential.password));
      assert.equal(
        new SecretBox(testKey).open(row.secret, controlPlaneCredentialAad(id, INTER_BROKER_KAFKA_USER)),
        credential.password,
      );
      // Two users, two secrets; a value sealed for one user's row does not open as the other's.
      const own = (await storedRow(db, id))!;
      assert.notEqual((await controlPlaneKafkaCredential(db, id)).password, credential.password);
      assert.throws(() =>
        new SecretBox(testKey).open(own.secret, controlPlaneCredentialAad(id, INTER_BROKER_KAFKA_USER)),
      );
      const copied = await createLocalCluster(t, "copied-inter-broker");
      await ensureControlPlaneKafkaCredential(db, copied.id);
      const copiedOwn = (await storedRow(db, copied.id))!;
      await db
        .update(controlPlaneKafkaCredentials)
        .set({ secret: copiedOwn.secret })
        .where(
          and(
            eq(controlPlaneKafkaCredentials.clusterId, copied.id),
            eq(controlPlaneKafkaCredentials.userName, INTER_BROKER_KAFKA_USER),
          ),
        );
      await assert.rejects(interBrokerKafkaCredential(db, copied.id), { code: "CREDENTIAL_UNREADABLE" });
    });

    it("answers 503 CREDENTIAL_UNREADABLE for a tampered cluster only, and makes no new credential", async () => {
      const healthy = await clusterWithLeader("healthy");
      const broken = await clusterWithLeader("broken");
      await ensureControlPlaneKafkaCredential(db, broken.id);
      const before = (await storedRow(db, broken.id))!;
      const altered = tampered(before.secret);
      await db
        .update(controlPlaneKafkaCredentials)
        .set({ secret: altered })
        .where(eq(controlPlaneKafkaCredentials.clusterId, broken.id));

      const refused = await readMessages(broken.id);
      assert.equal(refused.statusCode, 503, refused.body);
      assert.match(refused.headers["content-type"] as string, /application\/problem\+json/);
      const problem = refused.json();
      assert.equal(problem.type, "urn:cirrus:problem:CREDENTIAL_UNREADABLE");
      assert.equal(problem.code, "CREDENTIAL_UNREADABLE");
      assert.ok(problem.detail.includes(broken.id), problem.detail);
      assert.ok(problem.detail.includes("SECRET_TAMPERED"), problem.detail);
      // The same row, untouched: no credential was made in its place.
      const afterwards = (await storedRow(db, broken.id))!;
      assert.equal(afterwards.secret, altered);
      assert.deepEqual(afterwards.scram, before.scram);

      // The other cluster's Kafka calls work, and so do the broken cluster's brokers' security snapshots.
      const served = await readMessages(healthy.id);
      assert.equal(served.statusCode, 200, served.body);
      const snapshot = await t.app.server.inject({
        method: "GET",
        url: internalPath(InternalRoutes.security),
        headers: { authorization: `Bearer ${broken.brokerToken}` },
      });
      assert.equal(snapshot.statusCode, 200, snapshot.body);
      assert.ok(
        snapshot.json().scramCredentials.some((c: { user: string }) => c.user === CONTROL_PLANE_KAFKA_USER),
      );
    });

    it("seals rows in clear and re-seals rows under an old key at start, once, leaving unreadable rows alone", async () => {
      const oldKey = randomBytes(32);
      const inClear = await createLocalCluster(t, "in-clear");
      const underOldKey = await createLocalCluster(t, "old-key");
      const unreadable = await createLocalCluster(t, "unreadable");
      const current = await createLocalCluster(t, "current");
      await ensureControlPlaneKafkaCredential(db, current.id);
      const currentBefore = (await storedRow(db, current.id))!.secret;
      const scram: unknown[] = [];
      await db.insert(controlPlaneKafkaCredentials).values([
        {
          clusterId: inClear.id,
          secret: "clear-secret-of-a-control-plane-before-sealing",
          scram,
          createdAt: 1,
        },
        {
          clusterId: underOldKey.id,
          secret: new SecretBox(oldKey).seal(
            "secret-under-old-key",
            controlPlaneCredentialAad(underOldKey.id),
          ),
          scram,
          createdAt: 1,
        },
        {
          clusterId: unreadable.id,
          secret: new SecretBox(randomBytes(32)).seal("lost", controlPlaneCredentialAad(unreadable.id)),
          scram,
          createdAt: 1,
        },
      ]);
      const box = new SecretBox(testKey, [oldKey]);
      const first = await sealStoredSecrets(db, box);
      assert.equal(first.sealed, 1);
      assert.equal(first.resealed, 1);
      // Reported: this row, and the ones the tests above altered (same database); nothing else.
      const reported = first.unreadable.filter((u) => u.table === "control_plane_kafka_credentials");
      const mine = reported.find((u) => u.id === unreadable.id);
      assert.match(mine!.reason, /SECRET_KEY_UNKNOWN/);
      for (const fine of [inClear.id, underOldKey.id, current.id])
        assert.ok(!reported.some((u) => u.id === fine));
      for (const [cluster, secret] of [
        [inClear, "clear-secret-of-a-control-plane-before-sealing"],
        [underOldKey, "secret-under-old-key"],
      ] as const) {
        const row = (await storedRow(db, cluster.id))!;
        assert.ok(isSealed(row.secret) && !row.secret.includes(secret));
        assert.equal(box.keyIdOf(row.secret), box.currentKeyId);
        // Under the current key alone: the old key is no longer needed for it.
        assert.equal(new SecretBox(testKey).open(row.secret, controlPlaneCredentialAad(cluster.id)), secret);
        assert.equal((await controlPlaneKafkaCredential(db, cluster.id)).password, secret);
      }
      assert.equal((await storedRow(db, current.id))!.secret, currentBefore);

      // Again: nothing to do, the unreadable row still reported and still as it was.
      const unreadableRow = (await storedRow(db, unreadable.id))!.secret;
      const second = await sealStoredSecrets(db, box);
      assert.deepEqual([second.sealed, second.resealed], [0, 0]);
      assert.deepEqual(second.unreadable, first.unreadable);
      assert.equal((await storedRow(db, unreadable.id))!.secret, unreadableRow);
    });

    it("stores idempotent answers sealed: a new API token's secret is not in the database, and replays", async () => {
      const create = (key: string) =>
        t.app.server.inject({
          method: "POST",
          url: "/v1/tokens",
          headers: { ...t.auth(t.admin), "idempotency-key": key },
          payload: { name: `ci-${key}`, scope: "viewer" },
        });
      const storedAnswer = async (key: string) =>
        (await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)))[0]!;
      const first = await create("k-sealed");
      assert.equal(first.statusCode, 201, first.body);
      const secret = first.json().secret as string;
      const row = await storedAnswer("k-sealed");
      assert.equal(typeof row.response, "string");
      assert.ok(isSealed(row.response as string));
      assert.ok(!JSON.stringify(row).includes(secret));
      const replay = await create("k-sealed");
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.headers["idempotent-replayed"], "true");
      assert.equal(replay.json().secret, secret);

      // A tampered answer is refused, never replayed as something else.
      await db
        .update(idempotencyKeys)
        .set({ response: tampered(row.response as string) })
        .where(eq(idempotencyKeys.key, "k-sealed"));
      const refused = await create("k-sealed");
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().code, "CREDENTIAL_UNREADABLE");

      // One stored in clear by an older version: sealed at start, and replayed as it was.
      const legacy = await create("k-legacy");
      const legacySecret = legacy.json().secret as string;
      await db
        .update(idempotencyKeys)
        .set({ response: legacy.json() })
        .where(eq(idempotencyKeys.key, "k-legacy"));
      assert.ok(JSON.stringify(await storedAnswer("k-legacy")).includes(legacySecret));
      const report = await sealStoredSecrets(db, new SecretBox(testKey));
      assert.ok(report.sealed >= 1);
      assert.ok(report.unreadable.some((u) => u.table === "idempotency_keys" && u.id.endsWith("/k-sealed")));
      const resealedRow = await storedAnswer("k-legacy");
      assert.ok(isSealed(resealedRow.response as string));
      assert.ok(!JSON.stringify(resealedRow).includes(legacySecret));
      const legacyReplay = await create("k-legacy");
      assert.equal(legacyReplay.statusCode, 201);
      assert.equal(legacyReplay.json().secret, legacySecret);
    });

    it("seals what is in clear when the control plane starts", async () => {
      const cluster = await createLocalCluster(t, "at-start");
      await db.insert(controlPlaneKafkaCredentials).values({
        clusterId: cluster.id,
        secret: "written-in-clear-by-an-older-version",
        scram: [],
        createdAt: 1,
      });
      const started = await ControlPlane.start({
        config: t.app.context.config,
        database: t.testDb.database,
        secrets: new SecretBox(testKey),
      });
      try {
        const row = (await storedRow(db, cluster.id))!;
        assert.ok(isSealed(row.secret) && !row.secret.includes("written-in-clear"));
        assert.equal(
          new SecretBox(testKey).open(row.secret, controlPlaneCredentialAad(cluster.id)),
          "written-in-clear-by-an-older-version",
        );
      } finally {
        await started.close();
      }
    });

    it("warns at start while clusters on a cloud rely on a key that was not configured", async () => {
      // Every cluster so far is local: nothing to say, whatever the key's source.
      assert.equal(await unconfiguredKeyWarning(db, "key-file"), undefined);
      const { id } = await createLocalCluster(t, "on-a-cloud");
      const [row] = await db.select({ spec: clusters.spec }).from(clusters).where(eq(clusters.id, id));
      await db
        .update(clusters)
        .set({ spec: { ...(row!.spec as object), provider: "aws" } })
        .where(eq(clusters.id, id));
      assert.equal(await unconfiguredKeyWarning(db, "configured"), undefined);
      const warning = await unconfiguredKeyWarning(db, "key-file");
      assert.match(warning!, /^1 cluster\(s\) run on a cloud/);
      assert.match(warning!, /CIRRUS_SECRETS_KEY/);
      assert.match((await unconfiguredKeyWarning(db, "ephemeral"))!, /in memory only/);
    });
  });
}
