import type { BrokerState } from "@cirrus/broker-api";
import { and, asc, eq, gte, lte, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/database.ts";
import { brokers, metricSamples, partitions } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { createOperation, type Operation } from "./operations.ts";
import { lockCluster } from "./partition-assigner.ts";

export interface BrokerView {
  brokerId: number;
  instanceId: string;
  zone: string;
  host: string;
  port: number;
  volumeId: string | null;
  adminPort: number | null;
  metricsUrl: string | null;
  spot: boolean;
  instanceType: string | null;
  state: BrokerState;
  epoch: number;
  leaseUntil: number;
  partitions: number;
  load: { bytesInPerSec: number; bytesOutPerSec: number };
  registeredAt: number;
}

/** broker.replace is carried out by the provisioner (src/controllers/provisioner/broker-replace.ts). */
export const BrokerOperation = { DRAIN: "broker.drain", REPLACE: "broker.replace" } as const;

export async function listBrokers(db: DbOrTx, clusterId: string): Promise<BrokerView[]> {
  const rows = await db
    .select()
    .from(brokers)
    .where(eq(brokers.clusterId, clusterId))
    .orderBy(asc(brokers.brokerId));
  const counts = await db
    .select({ brokerId: partitions.leaderBrokerId, count: sql<number>`count(*)::int` })
    .from(partitions)
    .where(eq(partitions.clusterId, clusterId))
    .groupBy(partitions.leaderBrokerId);
  const byBroker = new Map(counts.map((c) => [c.brokerId, Number(c.count)]));
  return rows.map((b) => ({
    brokerId: b.brokerId,
    instanceId: b.instanceId,
    zone: b.zone,
    host: b.host,
    port: b.port,
    volumeId: b.volumeId,
    adminPort: b.adminPort,
    metricsUrl: b.adminPort === null ? null : metricsUrlOf(b.host, b.adminPort),
    spot: b.spot,
    instanceType: b.instanceType,
    state: b.state as BrokerState,
    epoch: b.epoch,
    leaseUntil: b.leaseUntil,
    partitions: byBroker.get(b.brokerId) ?? 0,
    load: { bytesInPerSec: b.bytesInPerSec, bytesOutPerSec: b.bytesOutPerSec },
    registeredAt: b.registeredAt,
  }));
}

/** The broker's Prometheus endpoint: its admin port on the host it advertises (IPv6 in brackets). */
export function metricsUrlOf(host: string, adminPort: number): string {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${bracketed}:${adminPort}/metrics`;
}

/** Starts a drain or replace of a broker as an operation (202). */
export async function startBrokerOperation(
  db: Db,
  clusterId: string,
  brokerId: number,
  type: (typeof BrokerOperation)[keyof typeof BrokerOperation],
  createdBy: string,
): Promise<Operation> {
  return inTransaction(db, async (tx) => {
    if (!(await lockCluster(tx, clusterId)))
      throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const [broker] = await tx
      .select({ state: brokers.state })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
    if (!broker) throw new ApiError("NOT_FOUND", `broker ${brokerId} not found`);
    if (broker.state !== "ACTIVE")
      throw new ApiError("INVALID_STATE", `broker ${brokerId} is ${broker.state}`);
    return createOperation(tx, {
      type,
      clusterId,
      input: { brokerId },
      createdBy,
    });
  });
}

/** Per-broker network in/out, averaged per step-wide bucket, for charts. */
export async function brokerMetrics(
  db: DbOrTx,
  clusterId: string,
  from: number,
  to: number,
  stepSeconds: number,
) {
  const step = stepSeconds * 1000;
  const rows = await db
    .select({
      brokerId: metricSamples.brokerId,
      bucket: sql<number>`(${metricSamples.at} / ${step}::bigint) * ${step}::bigint`.mapWith(Number),
      bytesIn: sql<number>`avg(${metricSamples.bytesInPerSec})`.mapWith(Number),
      bytesOut: sql<number>`avg(${metricSamples.bytesOutPerSec})`.mapWith(Number),
    })
    .from(metricSamples)
    .where(
      and(eq(metricSamples.clusterId, clusterId), gte(metricSamples.at, from), lte(metricSamples.at, to)),
    )
    .groupBy(metricSamples.brokerId, sql`2`)
    .orderBy(metricSamples.brokerId, sql`2`);
  const series = new Map<number, { at: number; bytesInPerSec: number; bytesOutPerSec: number }[]>();
  for (const row of rows) {
    const point = { at: row.bucket, bytesInPerSec: row.bytesIn, bytesOutPerSec: row.bytesOut };
    const list = series.get(row.brokerId);
    if (list) list.push(point);
    else series.set(row.brokerId, [point]);
  }
  return {
    from,
    to,
    stepSeconds,
    brokers: [...series].map(([brokerId, points]) => ({ brokerId, points })),
  };
}
