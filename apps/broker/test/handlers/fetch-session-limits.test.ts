// The fetch session settings reach the wire: a broker started with one session slot refuses a second
// session while the first is young (the client gets sessionId 0 and keeps sending full fetches), evicts the
// first once it is stale, and the first one's next incremental fetch gets FETCH_SESSION_ID_NOT_FOUND. The
// admin port's /metrics counts all of it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

const EVICTION_MS = 2_000;

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "fetch-session-limits", {
    fetchSessionCacheSlots: 1,
    fetchSessionEvictionMs: EVICTION_MS,
  });
  await broker.services.controlPlane.createTopic({ name: "limits", partitions: 2 });
  await eventually(() => broker.services.partitions.byName("limits", 1) !== undefined, 10_000, "partitions");
  wire = await KafkaWire.connect(broker.kafkaPort);
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

function fetch(sessionId: number, epoch: number, partitions: number[]) {
  return wire.request(
    1,
    12,
    {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId,
      sessionEpoch: epoch,
      topics:
        partitions.length === 0
          ? []
          : [
              {
                topic: "limits",
                partitions: partitions.map((partition) => ({
                  partition,
                  fetchOffset: 0n,
                  partitionMaxBytes: 1 << 20,
                })),
              },
            ],
      forgottenTopicsData: [],
      rackId: "",
    },
    15_000,
  );
}

/** The value of an unlabelled metric in the admin port's exposition. */
async function scraped(name: string): Promise<number> {
  const text = await (await globalThis.fetch(`http://127.0.0.1:${broker.adminPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  assert.ok(line, `${name} is exposed`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

test("one slot: a young session keeps it, a stale one is evicted for a new one", {
  timeout: 30_000,
}, async () => {
  assert.equal(broker.config.fetchSessionCacheSlots, 1);
  const first = await fetch(0, 0, [0]);
  assert.equal(first.errorCode, ErrorCode.NONE);
  assert.ok(first.sessionId > 0, "the first session takes the only slot");
  const firstAt = performance.now();

  const refused = await fetch(0, 0, [0]);
  assert.ok(performance.now() - firstAt < EVICTION_MS, "the second request came while the first was young");
  assert.equal(refused.errorCode, ErrorCode.NONE, "a refused session is still a full fetch answer");
  assert.equal(refused.sessionId, 0, "no slot: no session");
  assert.equal(refused.responses[0]?.partitions.length, 1);

  await new Promise((resolve) => setTimeout(resolve, EVICTION_MS + 200));
  const second = await fetch(0, 0, [0, 1]);
  assert.ok(second.sessionId > 0 && second.sessionId !== first.sessionId, "the stale session gave way");
  assert.equal(broker.services.fetchSessions.size, 1);

  const gone = await fetch(first.sessionId, 1, []);
  assert.equal(gone.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  const incremental = await fetch(second.sessionId, 1, []);
  assert.equal(incremental.errorCode, ErrorCode.NONE);
  assert.equal(incremental.sessionId, second.sessionId);

  assert.deepEqual(
    {
      sessions: await scraped("cirrus_broker_fetch_session_sessions"),
      partitions: await scraped("cirrus_broker_fetch_session_partitions_cached"),
      created: await scraped("cirrus_broker_fetch_session_created_total"),
      refused: await scraped("cirrus_broker_fetch_session_refused_total"),
      evicted: await scraped("cirrus_broker_fetch_session_evicted_total"),
      expired: await scraped("cirrus_broker_fetch_session_expired_total"),
      incremental: await scraped("cirrus_broker_fetch_session_incremental_fetches_total"),
    },
    { sessions: 1, partitions: 2, created: 2, refused: 1, evicted: 1, expired: 0, incremental: 1 },
  );
});
