import { join } from "node:path";
import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import { checkCapacity, validateFleetSpec } from "../fleet-spec.ts";
import { NoticeHub } from "../notice-hub.ts";
import type {
  CloudProvider,
  Fleet,
  FleetSpec,
  FleetUpdate,
  Instance,
  LifecycleActionRef,
  NetworkRate,
  NoticeSubscription,
  Volume,
  VolumeSpec,
} from "../provider.ts";
import { BootstrapForwarder } from "./bootstrap-forwarder.ts";
import { type NetworkCounters, scrapeNetworkCounters } from "./counter-scrape.ts";
import {
  fleetNotFound,
  instanceNotFound,
  markRebalance,
  markSpotReclaim,
  pendingHookAction,
} from "./local-interruptions.ts";
import type { LocalInstance } from "./local-state.ts";
import { LocalStateFile } from "./local-state.ts";
import { LocalSupervisor } from "./local-supervisor.ts";
import { LocalVolumes } from "./local-volumes.ts";
import { NetworkSampler } from "./network-sampler.ts";
import { lockFolder } from "./root-lock.ts";
import { bootstrapAddressOf, bootstrapPortOf } from "./slot-ports.ts";

export interface LocalProviderOptions {
  /** Everything lives under `<dataDir>/cloud-local`: state.json, instances/, volumes/. */
  dataDir: string;
  /** How often fleets are reconciled (deaths noticed, capacity restored). Default 500 ms. */
  tickMs?: number;
  /** SIGTERM → SIGKILL grace. Default 10 s. */
  stopGraceMs?: number;
  /** How often network counters are sampled. Default 5 s. */
  metricsIntervalMs?: number;
  /** Reads an instance's byte counters; default: scrape its admin port's /metrics. */
  readCounters?: (instance: Instance) => Promise<NetworkCounters | undefined>;
  /** Baseline bandwidth reported for every local instance type. Default 125 MB/s (1 Gbit/s). */
  baselineBandwidthBytesPerSecond?: number;
}

/**
 * Fleets of broker processes on this machine. Brokers outlive the provider (close() leaves them
 * running); a provider opened again on the same dataDir adopts them. See README.md for the environment
 * each broker gets.
 */
export class LocalProvider implements CloudProvider {
  readonly kind = "local" as const;
  readonly root: string;
  readonly #supervisor: LocalSupervisor;
  readonly #volumes: LocalVolumes;
  readonly #notices = new NoticeHub();
  readonly #sampler: NetworkSampler;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #baseline: number;
  readonly #unlock: () => void;
  /** One bootstrap port per fleet that has a port block (see bootstrapAddress). */
  readonly #forwarders = new Map<string, BootstrapForwarder>();
  #closed = false;
  /** The last reconcile tick's failure (e.g. the state file could not be written), cleared by a good tick. */
  lastReconcileError: unknown;

  /** Throws CONFLICT if another live provider manages this dataDir, STATE_CORRUPT if its state is unreadable. */
  constructor(options: LocalProviderOptions) {
    this.root = join(options.dataDir, "cloud-local");
    const file = new LocalStateFile(this.root);
    this.#unlock = lockFolder(this.root);
    try {
      this.#supervisor = new LocalSupervisor(file, {
        root: this.root,
        stopGraceMs: options.stopGraceMs ?? 10_000,
        notices: this.#notices,
      });
    } catch (error) {
      this.#unlock();
      throw error;
    }
    this.#volumes = new LocalVolumes(
      this.root,
      () => this.#supervisor.state,
      () => this.#supervisor.save(),
    );
    const read = options.readCounters ?? ((i: Instance) => scrapeNetworkCounters(i.ports?.admin ?? 0));
    this.#sampler = new NetworkSampler(async (id) => {
      const instance = this.#supervisor.state.instances[id];
      return instance ? read(this.#view(instance)) : undefined;
    });
    this.#baseline = options.baselineBandwidthBytesPerSecond ?? 125_000_000;
    const tick = setInterval(() => void this.#reconcileQuietly(), options.tickMs ?? 500);
    const sample = setInterval(() => void this.#sampleAll(), options.metricsIntervalMs ?? 5_000);
    tick.unref();
    sample.unref();
    this.#timers.push(tick, sample);
    void this.#reconcileQuietly();
  }

  async #reconcileQuietly(): Promise<void> {
    try {
      await this.#supervisor.tick();
      this.lastReconcileError = undefined;
    } catch (error) {
      this.lastReconcileError = error;
    }
    await this.#syncForwarders();
  }

  /**
   * The fleet's one stable Kafka bootstrap address (127.0.0.1:port): a port this provider forwards to any
   * live broker of the fleet, fixed for the data folder like the brokers' slot ports. undefined before the
   * fleet's first launch chose its ports. The port is open while this provider is (the control plane runs).
   */
  bootstrapAddress(fleet: string): string | undefined {
    return bootstrapAddressOf(this.#supervisor.state, fleet);
  }

  /** Why the fleet's bootstrap port is not open (another process has it), if it is not. */
  bootstrapError(fleet: string): unknown {
    return this.#forwarders.get(fleet)?.lastError;
  }

  /** The last failed broker launch's error (a slot port taken by another process, no slot left, spawn failed). */
  get lastLaunchError(): unknown {
    return this.#supervisor.launchError;
  }

  /** Opens the bootstrap port of every active fleet that has one, closes those of fleets gone or deleting. */
  async #syncForwarders(): Promise<void> {
    if (this.#closed) return;
    const state = this.#supervisor.state;
    for (const [name, forwarder] of this.#forwarders) {
      if (state.fleets[name]?.status !== "active") {
        this.#forwarders.delete(name);
        await forwarder.close();
      }
    }
    if (state.portBase === undefined) return;
    for (const [name, fleet] of Object.entries(state.fleets)) {
      if (fleet.status !== "active" || fleet.portBlock === undefined) continue;
      let forwarder = this.#forwarders.get(name);
      if (!forwarder) {
        forwarder = new BootstrapForwarder(bootstrapPortOf(state.portBase, fleet.portBlock), () =>
          Object.values(this.#supervisor.state.instances)
            .filter((i) => i.fleet === name && i.state === "running" && this.#supervisor.isAlive(i))
            .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0))
            .map((i) => i.ports.kafka),
        );
        this.#forwarders.set(name, forwarder);
      }
      await forwarder.ensureListening();
    }
  }

  async createFleet(spec: FleetSpec): Promise<Fleet> {
    this.#open();
    validateFleetSpec(spec);
    const existing = this.#supervisor.state.fleets[spec.name];
    if (existing?.status === "deleting") {
      throw new CloudError(CloudErrorCode.CONFLICT, `fleet ${spec.name} is being deleted`);
    }
    if (!existing) {
      this.#supervisor.state.fleets[spec.name] = { spec: structuredClone(spec), status: "active" };
      this.#supervisor.save();
      await this.#supervisor.tick();
      await this.#syncForwarders();
    }
    return this.#fleetView(spec.name);
  }

  async updateFleet(name: string, update: FleetUpdate): Promise<Fleet> {
    this.#open();
    const fleet = this.#activeFleet(name);
    const next: FleetSpec = { ...fleet.spec, ...structuredClone(update) };
    validateFleetSpec(next);
    fleet.spec = next;
    this.#supervisor.save();
    await this.#supervisor.tick();
    return this.#fleetView(name);
  }

  async deleteFleet(name: string): Promise<void> {
    this.#open();
    const fleet = this.#supervisor.state.fleets[name];
    if (!fleet) return;
    fleet.status = "deleting";
    fleet.spec.desiredCapacity = 0;
    for (const instance of Object.values(this.#supervisor.state.instances)) {
      if (instance.fleet === name) this.#supervisor.beginTermination(instance, "fleet-deleted", false);
    }
    this.#supervisor.save();
    await this.#supervisor.tick();
  }

  async describeFleet(name: string): Promise<Fleet | undefined> {
    this.#open();
    return this.#supervisor.state.fleets[name] ? this.#fleetView(name) : undefined;
  }

  async listFleets(): Promise<Fleet[]> {
    this.#open();
    return Object.keys(this.#supervisor.state.fleets).map((name) => this.#fleetView(name));
  }

  async setDesiredCapacity(name: string, n: number): Promise<void> {
    this.#open();
    const fleet = this.#activeFleet(name);
    checkCapacity(name, n, fleet.spec.minSize, fleet.spec.maxSize);
    fleet.spec.desiredCapacity = n;
    this.#supervisor.save();
    await this.#supervisor.tick();
  }

  async setInstanceProtection(name: string, instanceIds: readonly string[], protect: boolean): Promise<void> {
    this.#open();
    this.#activeFleet(name);
    const instances = instanceIds.map((id) => this.#instance(name, id));
    for (const instance of instances) instance.protectedFromScaleIn = protect;
    this.#supervisor.save();
  }

  async terminateInstance(
    name: string,
    instanceId: string,
    opts: { decrementCapacity: boolean },
  ): Promise<void> {
    this.#open();
    const fleet = this.#activeFleet(name);
    const instance = this.#instance(name, instanceId);
    if (instance.state === "terminating" || instance.state === "terminated") return;
    if (opts.decrementCapacity) {
      checkCapacity(name, fleet.spec.desiredCapacity - 1, fleet.spec.minSize, fleet.spec.maxSize);
      fleet.spec.desiredCapacity -= 1;
    }
    this.#supervisor.beginTermination(instance, "requested", true);
    this.#supervisor.save();
    await this.#supervisor.tick();
  }

  async listInstances(name: string): Promise<Instance[]> {
    this.#open();
    if (!this.#supervisor.state.fleets[name]) throw fleetNotFound(name);
    return Object.values(this.#supervisor.state.instances)
      .filter((i) => i.fleet === name && i.state !== "terminated")
      .map((i) => this.#view(i));
  }

  async createVolume(spec: VolumeSpec): Promise<Volume> {
    this.#open();
    return this.#volumes.create(spec);
  }

  async describeVolume(volumeId: string): Promise<Volume | undefined> {
    this.#open();
    return this.#volumes.describe(volumeId);
  }

  async attachVolume(volumeId: string, instanceId: string): Promise<Volume> {
    this.#open();
    const instance = this.#supervisor.state.instances[instanceId];
    if (!instance) throw instanceNotFound(instanceId);
    return this.#volumes.attach(volumeId, instance);
  }

  async detachVolume(volumeId: string, instanceId: string, _opts?: { force?: boolean }): Promise<Volume> {
    this.#open();
    // A file has no in-flight I/O to wait for: forced and normal detach are the same here.
    return this.#volumes.detach(volumeId, instanceId);
  }

  async listVolumes(tags: Readonly<Record<string, string>>): Promise<Volume[]> {
    this.#open();
    return this.#volumes.list(tags);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    this.#open();
    this.#volumes.delete(volumeId);
  }

  async networkRates(instanceIds: readonly string[], windowSeconds: number): Promise<NetworkRate[]> {
    this.#open();
    if (!(windowSeconds > 0)) throw invalidArgument("windowSeconds must be positive");
    await this.#sampler.sample(instanceIds);
    return this.#sampler.rates(instanceIds, windowSeconds);
  }

  baselineBandwidth(_instanceType: string): number {
    return this.#baseline;
  }

  interruptions(): NoticeSubscription {
    this.#open();
    return this.#notices.subscribe();
  }

  async completeLifecycleAction(ref: LifecycleActionRef, _result: "CONTINUE" | "ABANDON"): Promise<void> {
    this.#open();
    const instance = pendingHookAction(this.#supervisor.state, ref);
    // On a termination hook both results terminate; ABANDON only skips the remaining hooks (there are none).
    delete (instance.termination as { hook?: unknown }).hook;
    this.#supervisor.save();
    await this.#supervisor.tick();
  }

  async recordLifecycleHeartbeat(ref: LifecycleActionRef): Promise<void> {
    this.#open();
    const instance = pendingHookAction(this.#supervisor.state, ref);
    const timeout =
      this.#supervisor.state.fleets[instance.fleet]?.spec.terminationHook?.heartbeatTimeoutSeconds ?? 0;
    instance.termination.hook.deadline = Date.now() + timeout * 1000;
    this.#supervisor.save();
  }

  /**
   * Simulates a spot reclaim: publishes a spot-reclaim notice now and SIGKILLs the broker when
   * `noticeMs` has passed (AWS gives 2 minutes, Alibaba 5). The fleet then launches a replacement.
   */
  async simulateSpotReclaim(instanceId: string, noticeMs = 120_000): Promise<void> {
    this.#open();
    const notice = markSpotReclaim(this.#supervisor.state, instanceId, noticeMs);
    if (!notice) return;
    this.#supervisor.save();
    this.#notices.publish(notice);
    setTimeout(() => void this.#reconcileQuietly(), noticeMs).unref();
  }

  /**
   * Simulates a rebalance recommendation (a spot instance at elevated risk of reclaim): a notice, and,
   * if the fleet has capacityRebalance, a replacement launched before the instance is terminated
   * (through the termination hook), as Auto Scaling capacity rebalancing does.
   */
  async simulateRebalanceRecommendation(instanceId: string): Promise<void> {
    this.#open();
    const notice = markRebalance(this.#supervisor.state, instanceId);
    this.#supervisor.save();
    this.#notices.publish(notice);
    void this.#reconcileQuietly();
  }

  /** The broker's process id (for diagnostics and tests); undefined for unknown or never-started instances. */
  pidOf(instanceId: string): number | undefined {
    return this.#supervisor.state.instances[instanceId]?.pid;
  }

  /** Names of every fleet in the state, deleting ones included. */
  fleetNames(): string[] {
    return Object.keys(this.#supervisor.state.fleets);
  }

  /** Waits for the reconcile tick in progress (or runs one): for tests and for orderly shutdown. */
  reconcileNow(): Promise<void> {
    return this.#supervisor.tick();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#notices.closeAll();
    for (const forwarder of this.#forwarders.values()) await forwarder.close();
    this.#forwarders.clear();
    await this.#supervisor.tick().catch(() => {});
    this.#unlock();
  }

  async #sampleAll(): Promise<void> {
    const ids = Object.values(this.#supervisor.state.instances)
      .filter((i) => i.state === "running")
      .map((i) => i.id);
    await this.#sampler.sample(ids);
  }

  #open(): void {
    if (this.#closed) throw new CloudError(CloudErrorCode.PROVIDER_CLOSED, "the local provider is closed");
  }

  #activeFleet(name: string) {
    const fleet = this.#supervisor.state.fleets[name];
    if (!fleet || fleet.status === "deleting") throw fleetNotFound(name);
    return fleet;
  }

  #instance(fleet: string, id: string): LocalInstance {
    const instance = this.#supervisor.state.instances[id];
    if (!instance || instance.fleet !== fleet || instance.state === "terminated") throw instanceNotFound(id);
    return instance;
  }

  #fleetView(name: string): Fleet {
    const fleet = this.#supervisor.state.fleets[name];
    if (!fleet) throw fleetNotFound(name);
    const { minSize, maxSize, desiredCapacity } = fleet.spec;
    return { name, id: name, minSize, maxSize, desiredCapacity, status: fleet.status };
  }

  #view(i: LocalInstance): Instance {
    return {
      id: i.id,
      fleet: i.fleet,
      zone: i.zone,
      instanceType: i.instanceType,
      lifecycle: i.lifecycle,
      state: i.state,
      privateAddress: "127.0.0.1",
      protectedFromScaleIn: i.protectedFromScaleIn,
      ports: { ...i.ports },
    };
  }
}
