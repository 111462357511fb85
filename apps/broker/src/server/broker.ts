// The composition root: config → Kafka listener → registration with the control plane → storage (which
// recovers this broker's own WAL before anything opens) → assignment watching → admin HTTP. Also the
// orderly shutdown: stop taking writes, upload the WAL tail and close the streams, stop heartbeating, exit.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { type Assignments, ControlPlaneClient } from "@cirrus/broker-api";
import { FrameDecoder } from "@cirrus/kafka-protocol";
import { openObjectStore } from "@cirrus/object-store";
import { recoverForeignWal, Storage } from "@cirrus/s3stream";
import { AdminServer } from "../admin-http/admin-server.ts";
import { AssignmentWatcher } from "../cluster/assignment-watcher.ts";
import { type BrokerIdentity, BrokerMembership } from "../cluster/membership.ts";
import { MetadataCache } from "../cluster/metadata-cache.ts";
import { VolumeRecoverer } from "../cluster/volume-recovery.ts";
import { type BrokerConfig, loadBrokerConfig } from "../config.ts";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { FetchSessionCache } from "../fetch/fetch-session-cache.ts";
import type { BrokerServices, HandlerMap } from "../handlers/handler.ts";
import { advertisedApiVersions, coreHandlers, mergeHandlers } from "../handlers/registry.ts";
import { BrokerMetrics } from "../metrics/broker-metrics.ts";
import { LoadMeter } from "../metrics/load-meter.ts";
import { ObjectStoreCheckpointStore } from "../partitions/checkpoint-store.ts";
import type { Partition } from "../partitions/partition.ts";
import { newCheckpointTally } from "../partitions/partition-checkpointer.ts";
import { PartitionRegistry } from "../partitions/partition-registry.ts";
import { createDispatcher, type DispatcherOptions } from "./dispatcher.ts";
import { KafkaListener } from "./listener.ts";

export type BrokerLog = (message: string, error?: unknown) => void;

export interface StartBrokerOptions {
  /** Handler maps merged with the core ones (groups, offsets, admin, SASL, InitProducerId). */
  readonly extraHandlers?: readonly HandlerMap[];
  /** Called with the services before the listener opens (attach per-broker state, e.g. group services). */
  readonly onServices?: (services: BrokerServices) => void;
  /** Called at shutdown before storage closes (e.g. stop the group coordinator). */
  readonly onShutdown?: (services: BrokerServices) => Promise<void> | void;
  /** Per-request access check (SASL), see DispatcherOptions.authorize. */
  readonly authorize?: DispatcherOptions["authorize"];
  /** Idempotent-producer state; gets `load(partition)` when a partition opens. */
  readonly producers?: BrokerServices["producers"] & { load(partition: Partition): Promise<void> };
  readonly log?: BrokerLog;
}

export interface BrokerHandle {
  readonly config: BrokerConfig;
  readonly kafkaPort: number;
  readonly adminPort: number;
  readonly services: BrokerServices;
  /** "HOST:PORT" clients bootstrap from. */
  readonly bootstrap: string;
  brokerId(): number;
  /** Graceful shutdown; resolves when done or when config.shutdownTimeoutMs ran out. Idempotent. */
  close(): Promise<void>;
}

const defaultLog: BrokerLog = (message, error) => {
  const detail =
    error === undefined ? "" : ` ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  process.stderr.write(`broker: ${message}${detail}\n`);
};

export async function startBroker(
  overrides: Partial<BrokerConfig> = {},
  options: StartBrokerOptions = {},
): Promise<BrokerHandle> {
  const config = loadBrokerConfig(overrides);
  const log = options.log ?? defaultLog;
  const metrics = new BrokerMetrics({ instance: config.instanceId });
  const load = new LoadMeter();
  const controlPlane = new ControlPlaneClient({ baseUrl: config.controlPlaneUrl, token: config.brokerToken });
  const metadataCache = new MetadataCache(controlPlane);
  const objectStore = openObjectStore(config.objectStore);
  let storage: Storage | undefined;
  let identity: BrokerIdentity | undefined;
  let shuttingDown = false;
  let kafkaPort = 0;

  const producers = options.producers;
  const checkpointTally = newCheckpointTally();
  const partitions = new PartitionRegistry(
    {
      openStream: async (streamId, epoch) => {
        if (!storage) throw new BrokerError(BrokerErrorCode.SHUTTING_DOWN, "storage is not open");
        return storage.openStream(streamId, epoch);
      },
      // Producer-state snapshots and time indexes beside the streams (partitions/partition-checkpointer.ts).
      checkpoints: {
        store: new ObjectStoreCheckpointStore(objectStore),
        everyBytes: config.checkpointEveryBytes,
        everyMs: config.checkpointEveryMs,
        granuleBytes: config.checkpointGranuleBytes,
        keep: config.checkpointKeep,
        tally: checkpointTally,
        onError: log,
      },
    },
    (partition) => {
      producers
        ?.load(partition)
        .catch((error: unknown) => log(`producer state of ${partition.key} failed to load`, error));
    },
  );
  const handlers = mergeHandlers(coreHandlers, ...(options.extraHandlers ?? []));
  const apiVersions = advertisedApiVersions(handlers);
  let membership: BrokerMembership | undefined;
  const fetchSessions = new FetchSessionCache({
    maxSessions: config.fetchSessionCacheSlots,
    evictionMs: config.fetchSessionEvictionMs,
    idleExpiryMs: config.fetchSessionIdleExpiryMs,
    maxCachedPartitions: config.fetchSessionMaxCachedPartitions,
  });
  const services: BrokerServices = {
    config,
    brokerId: () => identity?.brokerId ?? -1,
    brokerEpoch: () => identity?.epoch ?? -1,
    canAck: () => !shuttingDown && membership?.lease.valid === true,
    shuttingDown: () => shuttingDown,
    partitions,
    metadata: async (fresh) => (await metadataCache.get(fresh)).metadata,
    controlPlane,
    metrics,
    load,
    fetchSessions,
    apiVersions: () => apiVersions,
    ...(producers ? { producers } : {}),
    advertised: () => ({ host: config.advertisedHost, port: config.advertisedPort || kafkaPort }),
  };
  options.onServices?.(services);
  metrics.setFetchSessionStats(() => fetchSessions.stats());
  metrics.setCheckpointStats(() => checkpointTally);
  metrics.setStorageStats(() => {
    if (!storage) return undefined;
    const stats = storage.stats();
    return {
      walBytes: stats.walUsedBytes,
      walCapacityBytes: stats.walCapacityBytes,
      walSpaceWaits: stats.walSpaceWaits,
      uploads: stats.uploads,
      walDurability: stats.walDurability,
      cacheBytes: stats.logCacheBytes + stats.blockCacheBytes,
      objectStoreRequests: objectStore.requestCounts(),
    };
  });

  const listener = new KafkaListener({
    host: config.kafkaHost,
    port: config.kafkaPort,
    maxConnections: config.maxConnections,
    maxInflightBytes: config.maxInflightBytesPerConnection,
    maxInflightRequests: 1024,
    idleMs: config.idleConnectionMs,
    newFrameSplitter: () => new FrameDecoder({ maxFrameBytes: config.maxFrameBytes }),
    handler: createDispatcher({
      handlers,
      services,
      log,
      ...(options.authorize ? { authorize: options.authorize } : {}),
    }),
    onBytesIn: (bytes) => {
      metrics.networkIn.inc(bytes);
      load.addNetwork(bytes, 0);
    },
    onBytesOut: (bytes) => {
      metrics.networkOut.inc(bytes);
      load.addNetwork(0, bytes);
    },
    onConnectionsChanged: (open) => metrics.connections.set(open),
  });
  kafkaPort = await listener.listen();
  const advertisedPort = config.advertisedPort || kafkaPort;

  const recoverer = new VolumeRecoverer({
    volumeDir: dirname(config.volumePath),
    recover: (path) => {
      if (!identity) throw new BrokerError(BrokerErrorCode.SHUTTING_DOWN, "not registered");
      return recoverForeignWal(path, {
        objectStore,
        objectManager: controlPlane,
        nodeId: identity.brokerId,
        nodeEpoch: identity.epoch,
      });
    },
    log,
  });
  const apply = async (assignments: Assignments) => {
    // Replay fenced brokers' WALs first: their streams must hold every acked record before anyone reopens them.
    const recovered = await recoverer.apply(assignments.recover);
    if (recovered.failed.length > 0) return recovered;
    const result = await partitions.reconcile(assignments.open, assignments.close);
    metrics.partitionsOpen.set(partitions.size);
    metadataCache.invalidate();
    return result;
  };
  const watcher = new AssignmentWatcher({ source: controlPlane, apply, log });
  partitions.onDropped = (partition, error) => {
    log(`${partition.topic}-${partition.partition}: append failed, reopening`, error);
    if (identity && !shuttingDown) watcher.start(identity);
  };

  // Epoch changes (start, and re-registration after being fenced) are serialised: storage is reopened under
  // the new epoch (replaying this broker's WAL first) before any partition opens again. A fenced epoch's
  // storage is abandoned, not shut down: its commits are refused, and its WAL is exactly what the next epoch
  // replays. A reopen requires that WAL to be there (never formats a new one over a volume that went missing).
  let transition: Promise<void> = Promise.resolve();
  const releaseFencedStorage = async () => {
    const old = storage;
    storage = undefined;
    await old
      ?.abandon()
      .catch((error: unknown) => log("releasing the WAL of the fenced epoch failed", error));
  };
  const openStorage = async (next: BrokerIdentity, reopen: boolean) => {
    await releaseFencedStorage();
    await mkdir(dirname(config.volumePath), { recursive: true });
    storage = await Storage.open({
      walPath: config.volumePath,
      walCapacity: config.walCapacityBytes,
      objectStore,
      objectManager: controlPlane,
      nodeId: next.brokerId,
      nodeEpoch: next.epoch,
      requireExistingWal: reopen,
      observeWalWrite: (seconds) => metrics.walWriteSeconds.observe(seconds),
    });
    // The fallback is correct but costs a second thread-pool round trip per group commit: say so once.
    if (storage.stats().walDurability !== "o_dsync") {
      log(`WAL ${config.volumePath}: O_DSYNC refused by the filesystem, group commits use write + fdatasync`);
    }
    if (storage.recovery.recoveredRecords > 0) {
      log(`recovered ${storage.recovery.recoveredRecords} records from the WAL (${storage.recovery.stop})`);
    }
  };
  /** Reopens storage under a new epoch, retrying until it works, the epoch is superseded or we shut down. */
  const reopenStorage = async (next: BrokerIdentity) => {
    for (let attempt = 0; !shuttingDown && identity === next; attempt++) {
      try {
        await openStorage(next, true);
        return true;
      } catch (error) {
        log(`reopening storage for epoch ${next.epoch} failed (attempt ${attempt + 1}); retrying`, error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** attempt)));
      }
    }
    return false;
  };
  let started = false;
  membership = new BrokerMembership({
    client: controlPlane,
    registration: {
      instanceId: config.instanceId,
      zone: config.zone,
      host: config.advertisedHost,
      port: advertisedPort,
      ...(config.volumeId ? { volumeId: config.volumeId } : {}),
    },
    load: () => load.sample(),
    onFenced: async () => {
      partitions.abandonAll();
      metrics.partitionsOpen.set(0);
      transition = transition.then(releaseFencedStorage);
      await transition;
    },
    onRegistered: (next) => {
      identity = next;
      if (!started) return; // the first registration is handled below, in order
      transition = transition.then(async () => {
        if (await reopenStorage(next)) watcher.start(next);
      });
    },
    onAssignmentVersion: (version) => watcher.nudge(version),
    log,
  });

  const admin = new AdminServer({
    host: config.adminHost,
    port: config.adminPort,
    contentType: metrics.registry.contentType,
    scrape: () => metrics.scrape(),
    readiness: () => {
      const reasons: string[] = [];
      if (shuttingDown) reasons.push("shutting down");
      if (!membership?.lease.valid) reasons.push("no valid lease");
      if (watcher.version < 0) reasons.push("assignments not applied yet");
      return { ready: reasons.length === 0, reasons };
    },
  });
  const adminPort = await admin.listen();

  try {
    const first = await membership.start();
    await openStorage(first, false);
    started = true;
    watcher.start(first);
    // Serve once the first assignments are applied, or after 10 s without them (the timer must not outlive that).
    let firstWait: NodeJS.Timeout | undefined;
    await Promise.race([
      watcher.firstApplied,
      new Promise((resolve) => {
        firstWait = setTimeout(resolve, 10_000);
      }),
    ]).finally(() => clearTimeout(firstWait));
  } catch (error) {
    membership.stop();
    await watcher.stop();
    await listener.close();
    await admin.close();
    await storage?.shutdown().catch(() => {});
    metrics.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    shuttingDown = true;
    await watcher.stop();
    await transition;
    // Requests for these partitions now get NOT_LEADER_OR_FOLLOWER; waiting fetches answer. Their final
    // checkpoints are written while the streams are uploaded and closed.
    const checkpoints = await partitions.retireAll();
    await options.onShutdown?.(services);
    // Uploads the WAL tail in one go and closes every stream in the object index (the hand-back).
    await storage?.shutdown();
    await checkpoints.written;
    membership?.stop();
    // Hand-back: every stream is closed, so the control plane may reassign the partitions now rather
    // than after the lease expires. Best effort: if it fails, lease expiry and failover still follow.
    if (identity) {
      await controlPlane
        .deregister(identity.brokerId, { epoch: identity.epoch })
        .catch((error: unknown) => log("deregister failed; the lease will expire instead", error));
    }
    await listener.close();
    await admin.close();
    await objectStore.close();
  };
  return {
    config,
    kafkaPort,
    adminPort,
    services,
    bootstrap: `${config.advertisedHost}:${advertisedPort}`,
    brokerId: () => identity?.brokerId ?? -1,
    close: () => {
      closing ??= Promise.race([
        shutdown()
          .catch((error: unknown) => log("shutdown failed", error))
          .finally(() => metrics.close()),
        new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref()),
      ]);
      return closing;
    },
  };
}
