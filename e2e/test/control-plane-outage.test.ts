// Invariant 1 across control-plane outages (issue: acknowledged records lost when the control plane is away
// longer than a lease). Whole system, real processes: an idempotent producer (acks=all) writes while the control
// plane is paused past the broker lease (SIGSTOP/SIGCONT), or killed and started again. Every broker loses its
// lease at once; when the control plane is back, all of them are fenced together and no broker is healthy to
// take another's volume. Afterwards every acknowledged record must be read back exactly once, in order, and no
// offset may hold a record other than the one read there before the outage.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import { bootstrapOf, createTopicViaApi, waitForLeaders } from "../harness/clients/cluster-topics.ts";
import type { ConsumedRecord } from "../harness/clients/workload.ts";
import { verifyConsumed } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";
import { PostgresServer, postgresBinDir } from "../harness/postgres-server.ts";

/** The key sealing the control plane's stored secrets, the same across its restarts in this run. */
const SECRETS_KEY = randomBytes(32).toString("base64");

const PARTITIONS = 6;
const BATCH = 100;
/** Lease 3 s (heartbeat every second): an outage of 8 s is well past it. */
const LEASE_MS = 3_000;
const OUTAGE_MS = 8_000;
const BEFORE_OUTAGE = 1_000;
const AFTER_OUTAGE = 2_000;
const RECOVERY_BOUND_MS = 60_000;

/** Brings the outage about; `before` is what the topic held before it; `pg` the database server, if any. */
type Outage = (cluster: StartedCluster, before: ConsumedRecord[], pg?: PostgresServer) => Promise<void>;

/** What sat at each partition/offset: the same offset must never hold another value later. */
function offsetsOf(records: ConsumedRecord[]): Map<string, string> {
  return new Map(records.map((r) => [`${r.partition}@${r.offset}`, r.value]));
}

async function produceThrough(cluster: StartedCluster, topic: string, outage: Outage) {
  await createTopicViaApi(cluster, topic, PARTITIONS);
  // First a quiet snapshot: what each offset holds before the outage.
  const first = await produceCountingAcks({
    bootstrap: bootstrapOf(cluster),
    topic,
    batch: BATCH,
    timeoutMs: 60_000,
    keepGoing: (acked) => acked < BEFORE_OUTAGE,
  });
  const before = await readWholeTopic(bootstrapOf(cluster), topic);
  // Then the outage, under load from a producer that keeps sending through it.
  let failure: unknown;
  let disruption: Promise<void> | undefined;
  let back = false;
  let ackedWhenBack = -1;
  const second = await produceCountingAcks({
    bootstrap: bootstrapOf(cluster),
    topic,
    batch: BATCH,
    // After every value the first one sent, acked or not: its first send can fail (the new topic's metadata
    // is not everywhere yet), and then it sent more than BEFORE_OUTAGE values.
    from: first.acked.size + first.unacked.size,
    timeoutMs: 120_000,
    keepGoing: (acked) => {
      if (!disruption && acked >= BATCH) {
        disruption = (async () => {
          await outage(cluster, before);
          await waitForLeaders(cluster, topic, RECOVERY_BOUND_MS);
          back = true;
        })().catch((error: unknown) => {
          failure = error;
        });
      }
      if (failure) return false;
      if (back && ackedWhenBack < 0) ackedWhenBack = acked;
      return ackedWhenBack < 0 || acked < ackedWhenBack + AFTER_OUTAGE;
    },
  });
  await disruption;
  if (failure) throw failure;
  const production = {
    acked: new Set([...first.acked, ...second.acked]),
    unacked: new Set([...first.unacked, ...second.unacked]),
  };
  await waitForLeaders(cluster, topic, RECOVERY_BOUND_MS);
  const consumed = await readWholeTopic(bootstrapOf(cluster), topic);
  const present = new Set(consumed.map((r) => Number(r.value)));
  const lost = [...production.acked].filter((n) => !present.has(n));
  const verdict = verifyConsumed(consumed, 0, production.acked.size + production.unacked.size);
  const now = offsetsOf(consumed);
  const rewritten = [...offsetsOf(before)]
    .filter(([at, value]) => now.get(at) !== value)
    .map(([at, value]) => `${at}: ${value} then ${now.get(at)}`);
  assert.ok(
    second.acked.size >= AFTER_OUTAGE,
    `writes resumed: ${second.acked.size} acked through the outage`,
  );
  // Where a record is stored twice: its value, both places, and whether its send was acknowledged.
  const placesOf = new Map<number, string[]>();
  for (const r of consumed) {
    const n = Number(r.value);
    placesOf.set(n, [...(placesOf.get(n) ?? []), `${r.partition}@${r.offset}`]);
  }
  const twice = [...placesOf]
    .filter(([, places]) => places.length > 1)
    .slice(0, 3)
    .map(
      ([n, places]) => `${n} at ${places.join(" and ")} (${production.acked.has(n) ? "acked" : "unacked"})`,
    );
  if (twice.length > 0)
    console.log(JSON.stringify({ twice, producerErrors: [...first.errors, ...second.errors] }));
  assert.deepEqual(
    { lostAcked: lost.length, firstLost: lost.slice(0, 5), rewrittenOffsets: rewritten.slice(0, 5) },
    { lostAcked: 0, firstLost: [], rewrittenOffsets: [] },
  );
  assert.equal(verdict.duplicates, 0, `records stored twice: ${twice.join("; ")}`);
  assert.deepEqual(verdict.outOfOrder, []);
  return { acked: production.acked.size, unacked: production.unacked.size, readBefore: before.length };
}

interface OutageShape {
  name: string;
  outage: Outage;
  /**
   * Whether brokers are fenced. The control plane does not fence for its own outage (a lease only runs out
   * while it watches: it renews the leases that ran out while it was away); brokers that stop heartbeating
   * while it watches are fenced, every one at once here, and each replays its own WAL under its new epoch.
   */
  fenced: boolean;
  /** The control plane's database is a PostgreSQL server of the test's own (PGlite otherwise). */
  postgres?: boolean;
}

const shapes: OutageShape[] = [
  {
    name: "control plane paused past the lease (SIGSTOP, SIGCONT)",
    fenced: false,
    outage: async (cluster, before) => {
      // Past the lease, with the control plane still away, the brokers keep serving what they have.
      await cluster.pauseControlPlane(OUTAGE_MS, async () => {
        await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 1_000));
        const during = offsetsOf(await readWholeTopic(bootstrapOf(cluster), "outage"));
        const unreadable = [...offsetsOf(before)].filter(([at, value]) => during.get(at) !== value);
        assert.deepEqual(unreadable.slice(0, 5), [], "records readable while the control plane is away");
      });
    },
  },
  {
    name: "control plane killed (SIGKILL) and started again after the lease",
    fenced: false,
    outage: async (cluster) => {
      await cluster.killControlPlane("SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await cluster.restartControlPlane();
    },
  },
  {
    name: "control plane and its PostgreSQL killed, started again after the lease",
    fenced: false,
    postgres: true,
    outage: async (cluster, _before, pg) => {
      await cluster.killControlPlane("SIGKILL");
      await pg!.crash();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await pg!.resume();
      await cluster.restartControlPlane();
    },
  },
  {
    name: "every broker paused past the lease (all fenced at once, none healthy to take a volume)",
    fenced: true,
    outage: async (cluster) => {
      await cluster.pauseBrokers(OUTAGE_MS);
    },
  },
];

for (const { name, outage, fenced, postgres } of shapes) {
  const skip = postgres && !postgresBinDir() ? "needs Debian's postgresql (.ci/run installs it)" : false;
  describe(name, { timeout: 200_000, skip }, () => {
    let cluster: StartedCluster;
    let pg: PostgresServer | undefined;
    before(async () => {
      pg = postgres ? await PostgresServer.start() : undefined;
      cluster = await startCluster({
        brokers: 3,
        env: {
          BROKER_LEASE_MS: String(LEASE_MS),
          RECONCILE_INTERVAL_MS: "200",
          // PostgreSQL requires the key that seals stored secrets: one per run, the same across restarts.
          ...(pg ? { DATABASE_URL: pg.url, CIRRUS_SECRETS_KEY: SECRETS_KEY } : {}),
        },
      });
    });
    after(async () => {
      try {
        if (!cluster) return;
        const { orphans } = await cluster.stop();
        assert.equal(orphans, 0, "no broker process left behind");
      } finally {
        await pg?.destroy();
      }
    });

    test("every acknowledged record survives, once and in order; no offset is reused", {
      timeout: 180_000,
    }, async (t) => {
      const summary = await produceThrough(cluster, "outage", (c, before) => outage(c, before, pg));
      const ops = await cluster.api<{ items: { type: string; status: string }[] }>(
        "GET",
        `/v1/operations?clusterId=${cluster.clusterId}`,
      );
      const failovers = ops.body.items.filter((o) => o.type === "broker.failover");
      if (fenced) {
        assert.ok(failovers.length > 0, "every broker was fenced");
        assert.deepEqual(
          failovers.filter((o) => o.status !== "SUCCEEDED"),
          [],
          "each fenced broker's failover ended with its owner back",
        );
      } else {
        assert.deepEqual(failovers, [], "the control plane's own outage fenced nobody");
      }
      t.diagnostic(
        JSON.stringify({
          outage: name,
          outageMs: OUTAGE_MS,
          leaseMs: LEASE_MS,
          ...summary,
          failovers: failovers.length,
        }),
      );
    });
  });
}
