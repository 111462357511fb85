import { connect } from "node:net";
import type { CloudProvider, Fleet, Instance } from "@cirrus/cloud";
import { and, eq, gt, inArray } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { brokers, clusters } from "../../db/schema.ts";
import { rotateBrokerToken } from "../../services/clusters.ts";
import { recordBrokerInstanceTypes } from "./broker-instance-types.ts";
import {
  type BrokerLaunchOptions,
  brokerLaunchSpec,
  launchCarriesBrokerToken,
  resolveLaunchBundle,
} from "./broker-launch.ts";
import { recordBrokerLifecycles } from "./broker-lifecycles.ts";
import { capacityDrifted, fleetNameOf, fleetSpecOf, fleetUpdateOf } from "./cluster-fleet.ts";
import type { ProviderRegistry } from "./provider-registry.ts";
import { releaseHandedBackVolumes } from "./wal-volume-release.ts";
import { WalVolumes } from "./wal-volumes.ts";

/** What every provisioner step and loop works with. */
export interface ProvisionerDeps {
  db: Db;
  providers: ProviderRegistry;
  launch: BrokerLaunchOptions;
  /** True when a Kafka client can connect to host:port (default: a TCP connect within 500 ms). */
  probeKafka: (host: string, port: number) => Promise<boolean>;
}

export type ClusterRow = typeof clusters.$inferSelect;

/** What a look at a cluster changed in the cloud, one line per action (for the operation log). */
export type Actions = string[];

export interface ReadyBroker {
  brokerId: number;
  instanceId: string;
  host: string;
  port: number;
}

/** Where a cluster's fleet stands: its running instances and the brokers on them serving Kafka. */
export interface Convergence {
  fleet: Fleet;
  instances: Instance[];
  /** Brokers registered with a live lease, on a running instance of the fleet, accepting connections. */
  ready: ReadyBroker[];
}

export async function loadCluster(db: Db, clusterId: string): Promise<ClusterRow | undefined> {
  const [row] = await db.select().from(clusters).where(eq(clusters.id, clusterId));
  return row;
}

export function specOf(cluster: ClusterRow): ClusterSpec {
  return cluster.spec as ClusterSpec;
}

export function providerOf(deps: ProvisionerDeps, cluster: ClusterRow): CloudProvider {
  return deps.providers.providerFor(specOf(cluster));
}

/**
 * Creates the cluster's fleet unless it exists (adopting one left by a crashed run). A new local fleet gets
 * a fresh broker credential in its launch spec; an existing fleet keeps the credential its brokers hold; a
 * cloud fleet's launch spec holds none (broker-launch.ts).
 */
export async function ensureFleet(
  deps: ProvisionerDeps,
  cluster: ClusterRow,
  actions?: Actions,
): Promise<Fleet> {
  const provider = providerOf(deps, cluster);
  const existing = await provider.describeFleet(fleetNameOf(cluster.id));
  // An incomplete fleet (a create cut short: an ESS group left Inactive) is finished by createFleet.
  if (existing && existing.status !== "incomplete") return existing;
  const spec = specOf(cluster);
  // A cloud fleet waits for the broker bundle (built in the background); before any token is minted.
  const launchOptions = await resolveLaunchBundle(spec, deps.launch);
  // Cloud brokers get their credential from their instance identity: no token goes into user data.
  const token = launchCarriesBrokerToken(spec) ? await rotateBrokerToken(deps.db, cluster.id) : undefined;
  const launch = brokerLaunchSpec(cluster.id, spec, token, launchOptions);
  const fleet = await provider.createFleet(fleetSpecOf(cluster.id, spec, launch));
  actions?.push(`create-fleet ${fleet.name}`);
  return fleet;
}

/**
 * Puts the fleet's capacity bounds back to the spec's (and the desired count into them) when they
 * drifted: a paused local fleet (npm start stops its brokers by scaling to zero), a hand edit in the
 * cloud console. Returns the fleet as it is now.
 */
export async function repairCapacity(
  deps: ProvisionerDeps,
  cluster: ClusterRow,
  fleet: Fleet,
  actions?: Actions,
): Promise<Fleet> {
  const spec = specOf(cluster);
  if (!capacityDrifted(fleet, spec)) return fleet;
  const update = fleetUpdateOf(spec, fleet.desiredCapacity);
  actions?.push(
    `repair-capacity ${fleet.name} ${update.minSize}..${update.maxSize}, desired ${update.desiredCapacity}`,
  );
  return providerOf(deps, cluster).updateFleet(fleetNameOf(cluster.id), update);
}

/**
 * One look at the cluster: attaches WAL volumes to new instances, deletes the volumes of brokers that
 * handed back and are gone (wal-volume-release.ts) and finds the brokers that are ready. undefined when
 * the fleet does not exist.
 */
export async function observeCluster(
  deps: ProvisionerDeps,
  cluster: ClusterRow,
  now: number,
  /** The fleet as the caller just read or changed it (saves a describe call). */
  known?: Fleet,
  actions?: Actions,
): Promise<Convergence | undefined> {
  const provider = providerOf(deps, cluster);
  const name = fleetNameOf(cluster.id);
  const fleet = known ?? (await provider.describeFleet(name));
  if (!fleet) return undefined;
  const instances = await provider.listInstances(name);
  // Spot or on-demand as the provider says, whatever the brokers said when they registered.
  await recordBrokerLifecycles(deps.db, cluster.id, instances);
  // Each broker's instance type, for the balancer's per-broker capacity.
  await recordBrokerInstanceTypes(deps.db, cluster.id, instances);
  const running = instances.filter((i) => i.state === "running");
  const attached = await new WalVolumes(deps.db, provider, cluster.id, specOf(cluster)).ensureAttached(
    running,
  );
  for (const a of attached) actions?.push(`attach-volume ${a.volumeId} to ${a.instanceId}`);
  const released = await releaseHandedBackVolumes(deps.db, provider, cluster.id, instances);
  for (const id of released) actions?.push(`delete-volume ${id} (its broker handed back and is gone)`);
  if (running.length === 0) return { fleet, instances, ready: [] };
  const registered = await deps.db
    .select({
      brokerId: brokers.brokerId,
      instanceId: brokers.instanceId,
      host: brokers.host,
      port: brokers.port,
    })
    .from(brokers)
    .where(
      and(
        eq(brokers.clusterId, cluster.id),
        eq(brokers.state, "ACTIVE"),
        gt(brokers.leaseUntil, now),
        inArray(
          brokers.instanceId,
          running.map((i) => i.id),
        ),
      ),
    )
    .orderBy(brokers.brokerId);
  const reachable = await Promise.all(registered.map((b) => deps.probeKafka(b.host, b.port)));
  return { fleet, instances, ready: registered.filter((_, i) => reachable[i]) };
}

/** "host:port,host:port" of the ready brokers: what Kafka clients bootstrap from. */
export function bootstrapOf(ready: readonly ReadyBroker[]): string | null {
  return ready.length === 0 ? null : ready.map((b) => `${b.host}:${b.port}`).join(",");
}

/** A TCP connect to host:port within `timeoutMs`. */
export function tcpProbe(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
