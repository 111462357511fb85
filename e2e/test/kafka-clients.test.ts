// The three real Kafka clients (kcat, kafkajs 2.2.4, @platformatic/kafka 2.x) against a real 3-broker cluster
// started by the control plane. Each client: a topic of 12 partitions, a consumer group of 3 members (stable
// before producing), 100,000 keyed records produced idempotently with acks=all, every record consumed exactly
// once and in order per partition; the group stops (committing its offsets), every broker restarts, 1,000 more
// records are produced and the restarted group receives exactly those 1,000, nothing older.
// The clients run side by side (subtests with concurrency) so the suite stays within its time budget; each has
// its own topic and group, so a failure names the client.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  bootstrapOf,
  createTopicViaApi,
  partitionLeaders,
  RestartMode,
  restartAllBrokers,
  waitForLeaders,
} from "../harness/clients/cluster-topics.ts";
import type { ClientDriver } from "../harness/clients/driver.ts";
import { kafkajsDriver } from "../harness/clients/kafkajs-driver.ts";
import { kcatDriver } from "../harness/clients/kcat-driver.ts";
import { platformaticDriver } from "../harness/clients/platformatic-driver.ts";
import {
  type ConsumedRecord,
  consumedByPartition,
  keyedRecords,
  verifyConsumed,
  waitFor,
} from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";

const PARTITIONS = 12;
const MEMBERS = 3;
const RECORDS = Number(process.env.CIRRUS_E2E_CLIENT_RECORDS ?? 100_000);
const MORE = 1_000;

const CLIENTS = ["kcat", "kafkajs", "platformatic"] as const;
type ClientName = (typeof CLIENTS)[number];

let cluster: StartedCluster;

function driverFor(name: ClientName): ClientDriver {
  const bootstrap = bootstrapOf(cluster);
  switch (name) {
    case "kcat":
      return kcatDriver(bootstrap, (topic, partitions) => createTopicViaApi(cluster, topic, partitions));
    case "kafkajs":
      return kafkajsDriver(bootstrap);
    case "platformatic":
      return platformaticDriver(bootstrap);
  }
}

/** Clients whose first round passed: only they are checked for resuming. */
const firstRoundPassed = new Set<ClientName>();

/** The control plane's view of a group (members, committed offsets, lag), for a stall's report. */
async function groupView(group: string): Promise<unknown> {
  const answer = await cluster
    .api("GET", `/v1/clusters/${cluster.clusterId}/consumer-groups/${group}`)
    .catch((error: unknown) => ({ status: 0, body: String(error) }));
  return answer.body;
}

async function consumeWithGroup(
  driver: ClientDriver,
  topic: string,
  group: string,
  expected: number,
  produce: () => Promise<void>,
  produceFirst: boolean,
): Promise<ConsumedRecord[]> {
  const consumed: ConsumedRecord[] = [];
  if (produceFirst) await produce();
  const running = await driver.startGroup(topic, group, MEMBERS, PARTITIONS, (r) => consumed.push(r));
  try {
    if (!produceFirst) await produce();
    await waitFor(
      () => consumed.length >= expected,
      120_000,
      async () =>
        `${driver.name}: ${expected} records (have ${consumed.length}: ${consumedByPartition(consumed)}; ` +
        `leaders ${JSON.stringify(await partitionLeaders(cluster, topic).catch(String))}; ` +
        `group ${JSON.stringify(await groupView(group))})`,
    );
    // A short settle: anything delivered twice or replayed from before would show up now.
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    await running.stop();
  }
  return consumed;
}

describe("kcat, kafkajs and @platformatic/kafka against a 3-broker cluster", { timeout: 600_000 }, () => {
  before(async () => {
    cluster = await startCluster({ brokers: 3 });
    assert.equal(cluster.brokers.length, 3, "three live brokers");
  });

  after(async () => {
    if (!cluster) return;
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0, "no broker process left behind");
  });

  test(`each client's group of ${MEMBERS} consumes ${RECORDS} keyed records exactly once, in order per partition`, {
    concurrency: CLIENTS.length,
    timeout: 300_000,
  }, async (t) => {
    await Promise.all(
      CLIENTS.map((name) =>
        t.test(name, async () => {
          const driver = driverFor(name);
          assert.equal(driver.idempotent, true, "produces idempotently");
          const topic = `clients-${name}`;
          await driver.createTopic(topic, PARTITIONS);
          await waitForLeaders(cluster, topic);
          const consumed = await consumeWithGroup(
            driver,
            topic,
            `group-${name}`,
            RECORDS,
            () => driver.produce(topic, keyedRecords(0, RECORDS)),
            false,
          );
          const verdict = verifyConsumed(consumed, 0, RECORDS);
          assert.deepEqual(
            { ...verdict, membersThatReceived: undefined },
            { received: RECORDS, duplicates: 0, missing: 0, outOfOrder: [], membersThatReceived: undefined },
          );
          assert.equal(verdict.membersThatReceived, MEMBERS, "every member of the group consumed a share");
          firstRoundPassed.add(name);
        }),
      ),
    );
  });

  // A rolling restart by SIGTERM alone: each broker uploads its WAL tail and hands its partitions back itself,
  // then the fleet's replacement serves.
  test("every broker restarts (SIGTERM, hand-back, replacement serves)", { timeout: 180_000 }, async () => {
    const before = new Set(cluster.brokers.map((b) => b.instanceId));
    await restartAllBrokers(
      cluster,
      RestartMode.sigterm,
      CLIENTS.map((name) => `clients-${name}`),
    );
    const now = await cluster.refreshBrokers();
    assert.equal(now.length, 3);
    assert.ok(
      now.every((b) => !before.has(b.instanceId)),
      "every broker is a new process",
    );
  });

  test(`each group resumes from its committed offsets: only the ${MORE} new records arrive, exactly once`, {
    concurrency: CLIENTS.length,
    timeout: 240_000,
  }, async (t) => {
    await Promise.all(
      CLIENTS.map((name) =>
        t.test(name, async () => {
          assert.ok(firstRoundPassed.has(name), `${name}'s first round did not pass`);
          const driver = driverFor(name);
          const topic = `clients-${name}`;
          await waitForLeaders(cluster, topic);
          const consumed = await consumeWithGroup(
            driver,
            topic,
            `group-${name}`,
            MORE,
            () => driver.produce(topic, keyedRecords(RECORDS, MORE)),
            true,
          );
          const verdict = verifyConsumed(consumed, RECORDS, MORE);
          assert.deepEqual(
            { received: verdict.received, duplicates: verdict.duplicates, missing: verdict.missing },
            { received: MORE, duplicates: 0, missing: 0 },
            "nothing consumed before the stop is delivered again, nothing new is lost",
          );
          assert.deepEqual(verdict.outOfOrder, []);
        }),
      ),
    );
  });
});
