// The composition root: config → Kafka listener → the parts the broker lifecycle drives (membership with
// the control plane, storage, assignment watching, partitions) → admin HTTP. The lifecycle itself (states,
// epoch changes, storage reopening after fencing, shutdown order) is cluster/broker-lifecycle.ts.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import {
  type Assignments,
  CONTROL_PLANE_PRINCIPAL,
  ControlPlaneClient,
  INTER_BROKER_PRINCIPAL,
} from "@cirrus/broker-api";
import { objectStoreCredentials } from "@cirrus/cloud";
import { FrameDecoder } from "@cirrus/kafka-protocol";
import { openObjectStore } from "@cirrus/object-store";
import { recoverForeignWal, Storage } from "@cirrus/s3stream";
import { AdminServer } from "../admin-http/admin-server.ts";
import { AssignmentWatcher } from "../cluster/assignment-watcher.ts";
import { BrokerLifecycle, type BrokerState, brokerStates } from "../cluster/broker-lifecycle.ts";
import { type BrokerIdentity, BrokerMembership } from "../cluster/membership.ts";
import { MetadataCache } from "../cluster/metadata-cache.ts";
import { VolumeRecoverer } from "../cluster/volume-recovery.ts";
import { type BrokerConfig, loadBrokerConfig } from "../config.ts";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { FetchSessionCache } from "../fetch/fetch-session-cache.ts";
import { systemClock } from "../groups/clock.ts";
import type { BrokerServices, HandlerMap } from "../handlers/handler.ts";
import { advertisedApiVersions, coreHandlers, mergeHandlers } from "../handlers/registry.ts";
import { BrokerMetrics } from "../metrics/broker-metrics.ts";
import { LoadMeter } from "../metrics/load-meter.ts";
import { credentialFromIdentity } from "../node-identity/instance-credential.ts";
import { InterruptionPoller } from "../node-identity/interruption-poller.ts";
import type { InterruptionNotice, NodeIdentity } from "../node-identity/node-identity.ts";
import { resolveNode } from "../node-identity/resolve-node.ts";
import { walVolumeOfInstance } from "../node-identity/wal-volume-of-instance.ts";
import { ObjectStoreCheckpointStore } from "../partitions/checkpoint-store.ts";
import { ObjectStoreCleanerStateStore } from "../partitions/log-cleaner.ts";
import type { LiveTxnIndexes } from "../partitions/log-cleaner-aborts.ts";
import { LogCleaner } from "../partitions/log-cleaner-enforcer.ts";
import { cleanerPolicyOf } from "../partitions/log-cleaner-policy.ts";
import type { Partition } from "../partitions/partition.ts";
import { newCheckpointTally } from "../partitions/partition-checkpointer.ts";
import { PartitionRegistry } from "../partitions/partition-registry.ts";
import { RetentionEnforcer } from "../partitions/retention-enforcer.ts";
import { retentionPolicyOf } from "../partitions/retention-policy.ts";
import { authorizedHandlers } from "../security/authorized-handlers.ts";
import { ClusterSecurity } from "../security/cluster-security.ts";
import { createDispatcher, type DispatcherOptions } from "./dispatcher.ts";
import { KafkaListener } from "./listener.ts";

/** How long a move's source waits for the control plane to announce its successors (well over a move). */
const SUCCESSOR_WAIT_MS = 5_000;
/** Streams per successor wait (the route's limit). */
const SUCCESSOR_WAIT_STREAMS = 1_000;
export type BrokerLog = (message: string, error?: unknown) => void;

export interface StartBrokerOptions {
  /** Handler maps merged with the core ones (groups, offsets, admin, SASL, InitProducerId). */
  readonly extraHandlers?: readonly HandlerMap[];
  /** Called with the services before the listener opens (attach per-broker state, e.g. group services). */
  readonly onServices?: (services: BrokerServices) => void;
  /** Called at shutdown before storage closes, and when the start fails (e.g. stop the group coordinator). */
  readonly onShutdown?: (services: BrokerServices) => Promise<void> | void;
  /** Per-request access check (SASL), see DispatcherOptions.authorize. */
  readonly authorize?: DispatcherOptions["authorize"];
  /**
   * Idempotent-producer state; gets `load(partition)` when a partition opens, and the log cleaner has it
   * forget the aborted transactions whose markers it removes.
   */
  readonly producers?: BrokerServices["producers"] &
    LiveTxnIndexes & { load(partition: Partition): Promise<void> };
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
  /** Where the broker is in its lifecycle (cluster/broker-lifecycle.ts). */
  state(): BrokerState;
  /** Who the broker is on its machine (node-identity/). */
  readonly node: NodeIdentity;
  /** The storage open now (tests and tools: flush, stats); undefined while none is (starting, fenced). */
  storage(): Storage | undefined;
  /** The log cleaner of compacted topics (tests: cleanNow, stats). */
  logCleaner(): LogCleaner;
  /** The interruption notices the metadata service announced so far, oldest first. */
  interruptionNotices(): readonly InterruptionNotice[];
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
  // On a cloud: instance id, zone, advertised address and the WAL device come from the machine.
  const node = await resolveNode(loadBrokerConfig(overrides));
  const log = options.log ?? defaultLog;
  // On a cloud with no credential configured: one from the control plane for the node's signed identity.
  const brokerToken =
    node.config.brokerToken ||
    (node.source.provider === "local"
      ? ""
      : await credentialFromIdentity({
          controlPlaneUrl: node.config.controlPlaneUrl,
          clusterId: node.config.clusterId,
          instanceId: node.config.instanceId,
          source: node.source,
          log,
        }));
  const controlPlane = new ControlPlaneClient({ baseUrl: node.config.controlPlaneUrl, token: brokerToken });
  // A cloud node whose user data names no volume: the one the control plane attached for its instance.
  const config =
    node.walVolumeFromControlPlane && node.source.provider !== "local"
      ? Object.freeze({
          ...node.config,
          ...(await walVolumeOfInstance({
            provider: node.source.provider,
            instanceId: node.config.instanceId,
            askControlPlane: (instanceId) => controlPlane.instanceWalVolume(instanceId),
            byIdRoot: node.config.volumeByIdRoot,
            waitMs: node.config.volumeAttachWaitMs,
            log,
          })),
        })
      : node.config;
  log(
    `node: ${node.identity.provider} instance ${config.instanceId} in zone ${config.zone} (${node.identity.lifecycle}), ` +
      `advertising ${config.advertisedHost}, WAL on ${config.volumePath}`,
  );
  const metrics = new BrokerMetrics({ instance: config.instanceId });
  const load = new LoadMeter();
  const metadataCache = new MetadataCache(controlPlane);
  // The cluster's ACLs and SCRAM users: read only by a broker that authorizes or requires SASL (a SASL broker,
  // PLAIN only included, verifies the inter-broker and control-plane users' SCRAM logins with it).
  const security =
    config.authorizerEnabled || config.saslMechanisms.length > 0
      ? new ClusterSecurity(controlPlane, {
          refreshMs: config.securityRefreshMs,
          // The control plane's own principal (its calls to brokers: message browser, consumer groups) and the
          // brokers' (transaction markers to partitions other brokers lead): the control plane makes both
          // credentials, and no client may see or alter them (AlterUserScramCredentials refuses).
          superUsers: [...config.superUsers, CONTROL_PLANE_PRINCIPAL, INTER_BROKER_PRINCIPAL],
          allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound,
          log,
        })
      : undefined;
  // OSS: the aliyun chain (the instance's RAM role), which the S3 SDK's own chain cannot read.
  const objectStore = openObjectStore(config.objectStore, { s3CredentialsFor: objectStoreCredentials });
  let kafkaPort = 0;

  const producers = options.producers;
  const checkpointTally = newCheckpointTally();
  const partitions = new PartitionRegistry(
    {
      // Refused when the epoch was fenced while the open ran: such a stream must never be served.
      openStream: (streamId, epoch) => lifecycle.useStorage((storage) => storage.openStream(streamId, epoch)),
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
      observeHandoff: (step, seconds) => metrics.partitionHandoffSeconds.observe({ step }, seconds),
    },
    (partition) => {
      const from = performance.now();
      producers
        ?.load(partition)
        .then(() =>
          metrics.partitionHandoffSeconds.observe({ step: "open_state" }, (performance.now() - from) / 1000),
        )
        .catch((error: unknown) => log(`producer state of ${partition.key} failed to load`, error));
    },
  );
  // Kafka's per-API authorization in front of every handler, only where requests are checked: a broker without
  // authorizer serves its handlers unwrapped (no extra async hop on every produce and fetch).
  const served = mergeHandlers(coreHandlers, ...(options.extraHandlers ?? []));
  const handlers = config.authorizerEnabled ? authorizedHandlers(served) : served;
  const apiVersions = advertisedApiVersions(handlers);
  const fetchSessions = new FetchSessionCache({
    maxSessions: config.fetchSessionCacheSlots,
    evictionMs: config.fetchSessionEvictionMs,
    idleExpiryMs: config.fetchSessionIdleExpiryMs,
    maxCachedPartitions: config.fetchSessionMaxCachedPartitions,
  });
  const services: BrokerServices = {
    config,
    brokerId: () => lifecycle.identity?.brokerId ?? -1,
    brokerEpoch: () => lifecycle.identity?.epoch ?? -1,
    canAck: () => lifecycle.canAck(),
    shuttingDown: () => lifecycle.shuttingDown(),
    partitions,
    metadata: async (fresh, options) => (await metadataCache.get(fresh, options)).metadata,
    handoffOf: (topic, partition) => {
      const streamId = metadataCache.current?.topicsByName
        .get(topic)
        ?.partitions.find((p) => p.partition === partition)?.streamId;
      return streamId === undefined ? undefined : metadataCache.successorOf(streamId);
    },
    cachedMetadata: () => metadataCache.peek(),
    topicConfigs: (topic) => metadataCache.peek()?.topicsByName.get(topic)?.configs,
    controlPlane,
    securityAdmin: controlPlane,
    ...(security ? { security } : {}),
    metrics,
    load,
    fetchSessions,
    apiVersions: () => apiVersions,
    ...(producers ? { producers } : {}),
    advertised: () => ({ host: config.advertisedHost, port: config.advertisedPort || kafkaPort }),
  };
  options.onServices?.(services);
  security?.start();
  metrics.setFetchSessionStats(() => fetchSessions.stats());
  metrics.setCheckpointStats(() => checkpointTally);
  metrics.setStorageStats(() => {
    const storage = lifecycle.storage;
    if (!storage) return undefined;
    const stats = storage.stats();
    return {
      walBytes: stats.walUsedBytes,
      walCapacityBytes: stats.walCapacityBytes,
      walSpaceWaits: stats.walSpaceWaits,
      uploads: stats.uploads,
      compactions: stats.compactions,
      objectsDeleted: stats.objectsDeleted,
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
    ...(node.locateVolume ? { locate: node.locateVolume } : {}),
    recover: (path) => {
      const identity = lifecycle.identity;
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
    // A produce applies its topic's configs from the cached metadata (topicConfigs): know a new topic's configs
    // before serving it, so that its first records already follow them (LogAppendTime, max.message.bytes...).
    const known = metadataCache.current?.topicsByName;
    if (assignments.open.some((p) => !known?.has(p.topic))) await metadataCache.get(true).catch(() => {});
    // Partitions it hands off (a move's source): from now on it refuses them; learn their new leaders as soon as
    // the control plane announces them, so that the refused clients are sent there (metadata-cache.ts).
    const handedOff = assignments.close.filter((a) => partitions.byId(a.topicId, a.partition) !== undefined);
    const self = lifecycle.identity?.brokerId;
    if (self !== undefined)
      for (let i = 0; i < handedOff.length; i += SUCCESSOR_WAIT_STREAMS)
        void metadataCache.awaitSuccessors(
          self,
          handedOff.slice(i, i + SUCCESSOR_WAIT_STREAMS).map((a) => a.streamId),
          SUCCESSOR_WAIT_MS,
        );
    const result = await partitions.reconcile(assignments.open, assignments.close);
    metrics.partitionsOpen.set(partitions.size);
    // Partitions it only opened (a move's target): it leads them now, and says so in its cached view at once
    // rather than reading that back first. Any other change is read afresh by the next request.
    const opened = assignments.open.filter(
      (a) => partitions.byId(a.topicId, a.partition)?.leaderEpoch === a.leaderEpoch,
    );
    const brokerId = lifecycle.identity?.brokerId;
    const onlyOpened = result.opened > 0 && result.closed === 0 && result.failed.length === 0;
    if (!onlyOpened || brokerId === undefined || !metadataCache.announceOpened(brokerId, opened))
      metadataCache.invalidate();
    return result;
  };
  const watcher = new AssignmentWatcher({ source: controlPlane, apply, log });
  partitions.onDropped = (partition, error) => {
    log(`${partition.topic}-${partition.partition}: append failed, reopening`, error);
    lifecycle.partitionDropped();
  };

  const openStorage = async (identity: BrokerIdentity, options: { requireExistingWal: boolean }) => {
    await mkdir(dirname(config.volumePath), { recursive: true });
    const storage = await Storage.open({
      walPath: config.volumePath,
      walCapacity: config.walCapacityBytes,
      objectStore,
      objectManager: controlPlane,
      nodeId: identity.brokerId,
      nodeEpoch: identity.epoch,
      requireExistingWal: options.requireExistingWal,
      observeWalWrite: (seconds) => metrics.walWriteSeconds.observe(seconds),
      observeStreamClose: (step, seconds) =>
        metrics.partitionHandoffSeconds.observe(
          { step: `close_${step === "close" ? "commit" : step}` },
          seconds,
        ),
      compaction: {
        intervalMs: config.objectCompactionIntervalMs,
        bytesPerSecond: config.objectCompactionBytesPerSecond,
        deleteGracePeriodMs: config.objectDeleteGracePeriodMs,
        // The unreferenced list is the cluster's: one broker deletes, the one the control plane names
        // controller (the first active broker). Unknown metadata: nobody here deletes this round.
        deletesUnreferenced: async () =>
          (await metadataCache.get(false)).metadata.controllerBrokerId === identity.brokerId,
        // The log cleaner rewrites stream objects only: a compacted topic's data leaves stream set objects.
        separateStream: (streamId) => compactedStreams().has(streamId),
      },
    });
    // The fallback is correct but costs a second thread-pool round trip per group commit: say so once.
    if (storage.stats().walDurability !== "o_dsync") {
      log(`WAL ${config.volumePath}: O_DSYNC refused by the filesystem, group commits use write + fdatasync`);
    }
    if (storage.recovery.recoveredRecords > 0) {
      log(`recovered ${storage.recovery.recoveredRecords} records from the WAL (${storage.recovery.stop})`);
    }
    return storage;
  };
  const compactedStreamsOf = new WeakMap<object, Set<number>>();
  const compactedStreams = (): Set<number> => {
    const view = metadataCache.peek();
    if (!view) return new Set();
    let streams = compactedStreamsOf.get(view);
    if (!streams) {
      streams = new Set();
      for (const topic of view.metadata.topics) {
        if (!cleanerPolicyOf(topic.configs).compacts || topic.name.startsWith("__")) continue;
        for (const p of topic.partitions) streams.add(p.streamId);
      }
      compactedStreamsOf.set(view, streams);
    }
    return streams;
  };
  const membership = new BrokerMembership({
    client: controlPlane,
    registration: {
      instanceId: config.instanceId,
      zone: config.zone,
      host: config.advertisedHost,
      port: advertisedPort,
      ...(config.volumeId ? { volumeId: config.volumeId } : {}),
      ...(config.adminPort ? { adminPort: config.adminPort } : {}),
    },
    load: () => load.sample(),
    onFenced: (identity) => lifecycle.fenced(identity),
    onRegistered: (identity) => lifecycle.registered(identity),
    onAssignmentVersion: (version) => watcher.nudge(version),
    log,
  });
  const lifecycle = new BrokerLifecycle<Storage>({
    openStorage,
    membership,
    watcher,
    partitions: {
      abandonAll: () => {
        partitions.abandonAll();
        metrics.partitionsOpen.set(0);
      },
      retireAll: () => partitions.retireAll(),
    },
    beforeStorageShutdown: () => {
      security?.close();
      return options.onShutdown?.(services);
    },
    deregister: (identity) => controlPlane.deregister(identity.brokerId, { epoch: identity.epoch }),
    closeEndpoints: async () => {
      metadataCache.close();
      await listener.close();
      await admin.close();
      await objectStore.close();
    },
    clock: systemClock,
    log,
    onStateChange: (state, previous) => log(`state ${previous} → ${state}`),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
  metrics.setBrokerState(brokerStates, () => lifecycle.state);

  const admin = new AdminServer({
    host: config.adminHost,
    port: config.adminPort,
    contentType: metrics.registry.contentType,
    scrape: () => metrics.scrape(),
    readiness: () => {
      const reasons = lifecycle.readinessReasons();
      return { ready: reasons.length === 0, reasons };
    },
  });
  const adminPort = await admin.listen();

  try {
    await lifecycle.start(); // stops what it started if it fails
  } catch (error) {
    await listener.close();
    await admin.close();
    security?.close();
    await Promise.resolve(options.onShutdown?.(services)).catch(() => {});
    metrics.close();
    throw error;
  }

  const notices: InterruptionNotice[] = [];
  const poller = new InterruptionPoller({
    source: node.source,
    everyMs: config.interruptionPollMs,
    onNotice: (notice) => {
      notices.push(notice);
      log(
        `interruption notice: ${notice.kind} of ${notice.instanceId} at ${notice.at} (${notice.action ?? "-"})`,
      );
    },
    log,
  });
  if (node.source.provider !== "local") poller.start();
  const retention = new RetentionEnforcer({
    intervalMs: config.logRetentionCheckIntervalMs,
    partitions: () => partitions.all(),
    policies: async () => {
      // Fresh, so that an AlterConfigs made since the last produce is applied before anything is deleted.
      const topics = (await metadataCache.get(true)).topicsByName;
      return (topic) => {
        const known = topics.get(topic);
        return known ? retentionPolicyOf(known.configs) : undefined;
      };
    },
    canTrim: () => lifecycle.canAck() && !lifecycle.shuttingDown(),
    log,
  });
  retention.start();
  const cleaner = new LogCleaner({
    intervalMs: config.logCleanerBackoffMs,
    partitions: () => partitions.all(),
    policies: async () => {
      // The cached view (at most ~1 s old): a round every few seconds must not fetch the whole metadata.
      const topics = (await metadataCache.get(false)).topicsByName;
      return (topic) => {
        const known = topics.get(topic);
        return known ? cleanerPolicyOf(known.configs) : undefined;
      };
    },
    storage: () => lifecycle.storage,
    store: new ObjectStoreCleanerStateStore(objectStore),
    limits: { maxKeys: config.logCleanerMaxKeysPerPass, readBytes: 4 * 1024 * 1024 },
    canWrite: () => lifecycle.canAck() && !lifecycle.shuttingDown(),
    ...(producers ? { liveTxns: producers } : {}),
    log,
  });
  cleaner.start();
  metrics.setLogCleanerStats(() => cleaner.stats);

  return {
    config,
    node: node.identity,
    interruptionNotices: () => [...notices],
    kafkaPort,
    adminPort,
    services,
    bootstrap: `${config.advertisedHost}:${advertisedPort}`,
    brokerId: () => lifecycle.identity?.brokerId ?? -1,
    state: () => lifecycle.state,
    storage: () => lifecycle.storage,
    logCleaner: () => cleaner,
    close: () =>
      Promise.all([poller.stop(), retention.stop(), cleaner.stop()])
        .then(() => lifecycle.close())
        .finally(() => metrics.close()),
  };
}
