import { CloudErrorCode, type CloudProvider, isCloudError, type Volume } from "@cirrus/cloud";
import { and, eq, gte, ne, sql } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { brokers, clusters, partitions } from "../../db/schema.ts";
import type { Operation } from "../../services/operations.ts";
import type { ProviderRegistry } from "../provisioner/provider-registry.ts";
import { FailoverError, FailoverErrorCode } from "./failover-error.ts";

/** What a `broker.failover` operation is about: the fenced incarnation and the WAL volume it wrote. */
export interface FailoverInput {
  clusterId: string;
  brokerId: number;
  /** The fenced epoch: only this incarnation's WAL is recovered. */
  epoch: number;
  volumeId: string;
}

export function failoverInput(op: Operation): FailoverInput {
  const { brokerId, epoch, volumeId } = op.input;
  if (
    !op.clusterId ||
    !Number.isSafeInteger(brokerId) ||
    !Number.isSafeInteger(epoch) ||
    typeof volumeId !== "string" ||
    volumeId === ""
  ) {
    throw new FailoverError(
      FailoverErrorCode.BAD_INPUT,
      `broker.failover needs clusterId and input {brokerId, epoch, volumeId}, got ${JSON.stringify(op.input)}`,
    );
  }
  return { clusterId: op.clusterId, brokerId: brokerId as number, epoch: epoch as number, volumeId };
}

/** The cluster's cloud provider (the one its volumes live in). */
export async function providerOf(
  db: Db,
  providers: ProviderRegistry,
  clusterId: string,
): Promise<CloudProvider> {
  const [row] = await db.select({ spec: clusters.spec }).from(clusters).where(eq(clusters.id, clusterId));
  if (!row) throw new FailoverError(FailoverErrorCode.CLUSTER_GONE, `cluster ${clusterId} is gone`);
  return providers.providerFor(row.spec as ClusterSpec);
}

/**
 * True when the fenced incarnation came back on its own before its volume was taken: it re-registered
 * (newer epoch, leased) with the same volume, which is still attached to its instance only, and its own
 * start-up replayed that WAL. Nothing to recover. Once the volume is attached elsewhere the failover goes
 * on whatever the owner does: its records are only on that volume now.
 */
export async function ownerCameBack(
  db: Db,
  provider: CloudProvider,
  input: FailoverInput,
  now: number,
): Promise<boolean> {
  const [row] = await db
    .select({
      epoch: brokers.epoch,
      state: brokers.state,
      volumeId: brokers.volumeId,
      lease: brokers.leaseUntil,
      instanceId: brokers.instanceId,
    })
    .from(brokers)
    .where(and(eq(brokers.clusterId, input.clusterId), eq(brokers.brokerId, input.brokerId)));
  const back =
    row !== undefined &&
    row.epoch > input.epoch &&
    row.volumeId === input.volumeId &&
    (row.state === "ACTIVE" || row.state === "DRAINING") &&
    row.lease >= now;
  if (!back) return false;
  const volume = await cloudCall(() => provider.describeVolume(input.volumeId), "describe");
  return volume !== undefined && volume.attachedTo.length === 1 && volume.attachedTo[0] === row.instanceId;
}

export interface Recoverer {
  brokerId: number;
  instanceId: string;
}

/** ACTIVE, leased brokers in `zone` other than the dead one, least loaded (partitions led) first. */
async function healthyBrokersIn(
  db: Db,
  input: FailoverInput,
  zone: string,
  now: number,
): Promise<Recoverer[]> {
  const led = sql<number>`(select count(*)::int from ${partitions} p
    where p.cluster_id = ${brokers.clusterId} and p.leader_broker_id = ${brokers.brokerId})`;
  return db
    .select({ brokerId: brokers.brokerId, instanceId: brokers.instanceId })
    .from(brokers)
    .where(
      and(
        eq(brokers.clusterId, input.clusterId),
        ne(brokers.brokerId, input.brokerId),
        eq(brokers.state, "ACTIVE"),
        eq(brokers.zone, zone),
        gte(brokers.leaseUntil, now),
      ),
    )
    .orderBy(led, brokers.brokerId);
}

export async function describeWalVolume(provider: CloudProvider, input: FailoverInput): Promise<Volume> {
  const volume = await cloudCall(() => provider.describeVolume(input.volumeId), "describe");
  if (!volume) {
    throw new FailoverError(
      FailoverErrorCode.VOLUME_LOST,
      `WAL volume ${input.volumeId} of broker ${input.brokerId} epoch ${input.epoch} no longer exists`,
    );
  }
  return volume;
}

/**
 * Makes sure the dead broker's WAL volume is attached to exactly one healthy broker in its zone and
 * returns that broker; undefined when the zone has no healthy broker yet (the fleet replaces the dead
 * instance there, or the owner itself comes back: wait). Idempotent: a volume already attached to a healthy
 * broker stays where it is (the cloud's attachment is the record of the choice, so a re-run after a crash
 * picks the same one); any other attachment (the dead instance, a recoverer that died since) is
 * force-detached, but only once there is a broker to take the volume: a volume detached with nowhere to go
 * would be missing under an owner that comes back (every broker fenced at once), and it must replay it.
 */
export async function attachToHealthyBroker(
  db: Db,
  provider: CloudProvider,
  input: FailoverInput,
  now: number,
): Promise<Recoverer | undefined> {
  const volume = await describeWalVolume(provider, input);
  const candidates = await healthyBrokersIn(db, input, volume.zone, now);
  const current = candidates.find((c) => volume.attachedTo.includes(c.instanceId));
  const target = current ?? candidates[0];
  if (!target) return undefined;
  // A volume still detaching from the dead instance (ECS DetachDisk takes about a minute): wait.
  if (!(await attachOnlyTo(provider, volume, target.instanceId))) return undefined;
  return target;
}

/**
 * Leaves `volume` attached to `instanceId` alone: any other attachment is force-detached (its instance is
 * dead, fenced, or a recoverer done with it; what it did not flush was never acknowledged), then it is
 * attached there if it is not yet. False while the cloud is still converging (the detach has not
 * finished): call again on a later pass; no attempt is spent on waiting.
 */
export async function attachOnlyTo(
  provider: CloudProvider,
  volume: Volume,
  instanceId: string,
): Promise<boolean> {
  for (const other of volume.attachedTo) {
    if (other === instanceId) continue;
    await cloudCall(() => provider.detachVolume(volume.id, other, { force: true }), "detach");
  }
  if (volume.attachedTo.includes(instanceId)) return true;
  try {
    await provider.attachVolume(volume.id, instanceId);
    return true;
  } catch (cause) {
    if (isCloudError(cause, CloudErrorCode.CONVERGING)) return false;
    return cloudCall(() => Promise.reject(cause), "attach");
  }
}

/** The healthy broker the volume is attached to now, if any. */
export async function currentRecoverer(
  db: Db,
  provider: CloudProvider,
  input: FailoverInput,
  now: number,
): Promise<Recoverer | undefined> {
  const volume = await describeWalVolume(provider, input);
  const candidates = await healthyBrokersIn(db, input, volume.zone, now);
  return candidates.find((c) => volume.attachedTo.includes(c.instanceId));
}

async function cloudCall<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new FailoverError(
      FailoverErrorCode.PROVIDER_FAILED,
      `${what} of the WAL volume failed: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
  }
}
