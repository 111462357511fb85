import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { onDemandTarget } from "../fleet-spec.ts";
import type { NoticeHub } from "../notice-hub.ts";
import type { Lifecycle } from "../provider.ts";
import { findProcessesOfRoot, isBrokerAlive, signalBroker, spawnBroker } from "./broker-process.ts";
import type {
  LocalFleet,
  LocalInstance,
  LocalState,
  LocalStateFile,
  LocalTermination,
} from "./local-state.ts";
import {
  assertSlotPortsFree,
  ensurePortBase,
  ensurePortBlock,
  lowestFreeSlot,
  slotPortsOf,
} from "./slot-ports.ts";

export interface SupervisorOptions {
  root: string;
  /** SIGTERM → SIGKILL grace for a terminating broker. */
  stopGraceMs: number;
  notices: NoticeHub;
}

/** Terminated instances are forgotten after this long, unless a volume still names them. */
const TERMINATED_RETENTION_MS = 10 * 60_000;
/** A fleet whose broker fails to launch (or dies within this long) waits before the next launch. */
const CRASH_WINDOW_MS = 5_000;
const MAX_LAUNCH_BACKOFF_MS = 30_000;

/**
 * Keeps every local fleet at its desired capacity: launches brokers, notices the ones that died,
 * walks terminating ones through hook wait → SIGTERM → SIGKILL, and removes deleted fleets once their
 * brokers are gone. One tick at a time; API calls change the state synchronously and ask for a tick.
 */
export class LocalSupervisor {
  readonly state: LocalState;
  readonly #file: LocalStateFile;
  readonly #options: SupervisorOptions;
  /** Brokers this process spawned; the exit event is the only reliable death signal for our own children. */
  readonly #children = new Map<string, ChildProcess>();
  readonly #exited = new Set<string>();
  readonly #backoff = new Map<string, { failures: number; until: number }>();
  /** Instances between their record and their spawn: no pid yet, but not dead either. */
  readonly #launching = new Set<string>();
  #ticking: Promise<void> | undefined;
  #again = false;
  /** The last failed launch's error (a slot port taken, no slot left, spawn failed), for diagnostics. */
  launchError: unknown;

  constructor(file: LocalStateFile, options: SupervisorOptions) {
    this.#file = file;
    this.#options = options;
    this.state = file.load();
    this.#adoptOrKill();
  }

  save(): void {
    this.#file.save(this.state);
  }

  /** Runs a tick now, or right after the one in progress. Resolves when that tick is done. */
  tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      try {
        do {
          this.#again = false;
          await this.#runTick();
        } while (this.#again);
      } finally {
        this.#ticking = undefined;
      }
    })();
    return this.#ticking;
  }

  isAlive(instance: LocalInstance): boolean {
    if (instance.pid === undefined) return false;
    if (this.#children.has(instance.id)) return !this.#exited.has(instance.id);
    return isBrokerAlive(instance.pid, instance.id);
  }

  /** Instances that count towards desired capacity (one being rebalanced away no longer does). */
  activeInstances(fleet: string): LocalInstance[] {
    return Object.values(this.state.instances).filter(
      (i) => i.fleet === fleet && (i.state === "pending" || i.state === "running") && !i.rebalancing,
    );
  }

  /**
   * Starts terminating an instance; with a termination hook it first waits for completeLifecycleAction.
   * Without `useHook` (fleet deletion) an instance already waiting on the hook stops waiting.
   */
  beginTermination(instance: LocalInstance, reason: LocalTermination["reason"], useHook: boolean): void {
    if (instance.state === "terminating" && !useHook && instance.termination)
      delete instance.termination.hook;
    if (instance.state === "terminating" || instance.state === "terminated") return;
    const hook = this.state.fleets[instance.fleet]?.spec.terminationHook;
    instance.state = "terminating";
    instance.termination = { reason };
    if (hook && useHook) {
      const token = randomUUID();
      instance.termination.hook = {
        name: "terminate",
        token,
        deadline: Date.now() + hook.heartbeatTimeoutSeconds * 1000,
      };
      this.#options.notices.publish({
        id: `lifecycle-terminate:${instance.id}:${token}`,
        kind: "lifecycle-terminate",
        fleet: instance.fleet,
        instanceId: instance.id,
        deadline: instance.termination.hook.deadline,
        lifecycle: { hookName: "terminate", token },
      });
    }
  }

  async #runTick(): Promise<void> {
    const now = Date.now();
    for (const instance of Object.values(this.state.instances)) this.#observe(instance, now);
    for (const [name, fleet] of Object.entries(this.state.fleets)) {
      if (fleet.status === "deleting") {
        const left = Object.values(this.state.instances).some(
          (i) => i.fleet === name && i.state !== "terminated",
        );
        if (!left) delete this.state.fleets[name];
        continue;
      }
      await this.#scale(name, fleet, now);
    }
    this.save();
  }

  /** Advances one instance: death detection, hook timeout, signals. */
  #observe(instance: LocalInstance, now: number): void {
    if (instance.state === "terminated") {
      const referenced = Object.values(this.state.volumes).some((v) => v.attachedTo.includes(instance.id));
      if (!referenced && now - (instance.terminatedAt ?? now) > TERMINATED_RETENTION_MS) {
        delete this.state.instances[instance.id];
        this.#children.delete(instance.id);
        this.#exited.delete(instance.id);
      }
      return;
    }
    if (this.#launching.has(instance.id)) return;
    if (!this.isAlive(instance)) {
      if (instance.state === "running" && now - instance.launchedAt < CRASH_WINDOW_MS)
        this.#recordFailure(instance.fleet, now);
      instance.state = "terminated";
      instance.terminatedAt = now;
      return;
    }
    // A broker that outlived the crash window proves the launch spec works: forget earlier failures.
    if (instance.state === "running" && now - instance.launchedAt >= CRASH_WINDOW_MS)
      this.#backoff.delete(instance.fleet);
    const termination = instance.termination;
    if (instance.state !== "terminating" || !termination || instance.pid === undefined) return;
    if (termination.hook) {
      if (now < termination.hook.deadline) return;
      delete termination.hook; // timed out: the default result applies, and both results terminate
    }
    if (termination.killAt !== undefined) {
      if (now >= termination.killAt) signalBroker(instance.pid, "SIGKILL");
      return;
    }
    if (termination.signalledAt === undefined) {
      termination.signalledAt = now;
      signalBroker(instance.pid, "SIGTERM");
    } else if (now - termination.signalledAt >= this.#options.stopGraceMs) {
      signalBroker(instance.pid, "SIGKILL");
    }
  }

  async #scale(name: string, fleet: LocalFleet, now: number): Promise<void> {
    const active = this.activeInstances(name);
    const desired = fleet.spec.desiredCapacity;
    if (active.length > desired) {
      const victims = active
        .filter((i) => !i.protectedFromScaleIn)
        .sort((a, b) => b.launchedAt - a.launchedAt)
        .slice(0, active.length - desired);
      for (const victim of victims) this.beginTermination(victim, "scale-in", true);
      return;
    }
    const backoff = this.#backoff.get(name);
    if (backoff && now < backoff.until) return;
    if (this.#slotFreesSoon(name)) return;
    // Re-read every round: an API call may lower the capacity or delete the fleet while a launch awaits.
    while (fleet.status === "active" && this.activeInstances(name).length < fleet.spec.desiredCapacity) {
      if (!(await this.#launch(name, fleet))) return;
    }
    // Capacity rebalancing: once the replacements run, the at-risk instances go (through the hook).
    const replaced = this.activeInstances(name).every((i) => i.state === "running");
    for (const i of Object.values(this.state.instances)) {
      if (replaced && i.fleet === name && i.rebalancing && i.state === "running")
        this.beginTermination(i, "rebalance", true);
    }
  }

  /**
   * True while an instance of the fleet that is only waiting for its process to exit (SIGTERM sent or about
   * to be, no hook to wait on, no reclaim window) holds a slot lower than the lowest free one: its replacement
   * waits at most the stop grace for that slot, so it comes back on the same ports. A termination that waits
   * on a hook (drain) or a spot reclaim's notice window does not hold up capacity: that replacement takes
   * the lowest free slot at once.
   */
  #slotFreesSoon(fleet: string): boolean {
    const instances = Object.values(this.state.instances);
    let free: number;
    try {
      free = lowestFreeSlot(instances, fleet);
    } catch {
      return false; // no free slot: the launch reports it
    }
    return instances.some(
      (i) =>
        i.fleet === fleet &&
        i.state === "terminating" &&
        i.slot !== undefined &&
        i.slot < free &&
        !i.termination?.hook &&
        i.termination?.killAt === undefined,
    );
  }

  async #launch(name: string, fleet: LocalFleet): Promise<boolean> {
    const spec = fleet.spec;
    const active = this.activeInstances(name);
    const onDemand = active.filter((i) => i.lifecycle === "on-demand").length;
    const lifecycle: Lifecycle =
      onDemand <
      onDemandTarget(active.length + 1, spec.onDemandBaseCapacity, spec.onDemandPercentageAboveBase)
        ? "on-demand"
        : "spot";
    const perZone = new Map(spec.zones.map((z) => [z, 0]));
    for (const i of active) perZone.set(i.zone, (perZone.get(i.zone) ?? 0) + 1);
    const zone = [...perZone.entries()].sort((a, b) => a[1] - b[1])[0]![0];
    const id = `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
    const dir = join(this.#options.root, "instances", id);
    // The slot's ports, fixed for the data folder: a replacement, a restart or a scale-out back to this slot
    // advertises the same address, so Kafka clients that know it keep working.
    let slot: number;
    let ports: LocalInstance["ports"];
    try {
      const base = await ensurePortBase(this.state);
      const block = ensurePortBlock(this.state, name);
      slot = lowestFreeSlot(Object.values(this.state.instances), name);
      ports = slotPortsOf(base, block, slot);
    } catch (error) {
      this.#recordFailure(name, Date.now());
      this.launchError = error;
      return false;
    }
    const instance: LocalInstance = {
      id,
      fleet: name,
      zone,
      instanceType: spec.instanceTypes[0]!,
      lifecycle,
      state: "pending",
      pid: undefined,
      slot,
      ports,
      dir,
      protectedFromScaleIn: false,
      launchedAt: Date.now(),
    };
    // Recorded before the spawn: a crash in between leaves a pending record, and the orphan sweep at
    // start-up kills any process carrying this root that the state does not account for.
    this.state.instances[id] = instance;
    this.save();
    this.#launching.add(id);
    try {
      mkdirSync(join(dir, "data"), { recursive: true });
      mkdirSync(join(dir, "volumes"), { recursive: true });
      await assertSlotPortsFree(name, slot, ports);
      const child = await spawnBroker(spec.launch, this.#environment(instance), dir);
      this.#children.set(id, child);
      child.once("exit", () => this.#exited.add(id));
      instance.pid = child.pid;
      // Terminated or deleted while launching: keep that state, the next tick signals the new process.
      if (instance.state === "pending") instance.state = "running";
      this.save();
      return true;
    } catch (error) {
      instance.state = "terminated";
      instance.terminatedAt = Date.now();
      this.launchError = error;
      // Where `npm start` tells the user to look when brokers do not come up.
      try {
        appendFileSync(join(dir, "broker.log"), `local provider: launch failed: ${String(error)}\n`);
      } catch {
        // the folder is gone: the error stays in launchError
      }
      this.#recordFailure(name, Date.now());
      this.save();
      return false;
    } finally {
      this.#launching.delete(id);
    }
  }

  #environment(instance: LocalInstance): Record<string, string> {
    return {
      CIRRUS_LOCAL_ROOT: this.#options.root,
      CIRRUS_FLEET: instance.fleet,
      CIRRUS_INSTANCE_ID: instance.id,
      CIRRUS_INSTANCE_TYPE: instance.instanceType,
      CIRRUS_ZONE: instance.zone,
      CIRRUS_LIFECYCLE: instance.lifecycle,
      CIRRUS_HOST: "127.0.0.1",
      CIRRUS_KAFKA_PORT: String(instance.ports.kafka),
      CIRRUS_ADMIN_PORT: String(instance.ports.admin),
      CIRRUS_DATA_DIR: join(instance.dir, "data"),
      CIRRUS_VOLUME_PATH: join(instance.dir, "volumes"),
    };
  }

  #recordFailure(fleet: string, now: number): void {
    const failures = (this.#backoff.get(fleet)?.failures ?? 0) + 1;
    this.#backoff.set(fleet, {
      failures,
      until: now + Math.min(MAX_LAUNCH_BACKOFF_MS, 250 * 2 ** (failures - 1)),
    });
  }

  /**
   * After a restart: keep (adopt) every recorded broker that is still alive, mark the rest terminated,
   * and kill any process of this root that the state does not account for (spawned just before a
   * crash, or belonging to a terminated instance or a deleted fleet).
   */
  #adoptOrKill(): void {
    const now = Date.now();
    for (const instance of Object.values(this.state.instances)) {
      if (instance.state === "terminated") continue;
      if (instance.pid === undefined || !isBrokerAlive(instance.pid, instance.id)) {
        instance.state = "terminated";
        instance.terminatedAt = now;
      }
    }
    for (const { pid, instanceId } of findProcessesOfRoot(this.#options.root)) {
      const instance = this.state.instances[instanceId];
      if (!instance || instance.state === "terminated" || !this.state.fleets[instance.fleet]) {
        signalBroker(pid, "SIGKILL");
      }
    }
    this.save();
  }
}
