import { CloudError, CloudErrorCode } from "../errors.ts";
import { NoticeHub } from "../notice-hub.ts";
import { NoticePoller } from "../notice-poller.ts";
import type {
  CloudProvider,
  Fleet,
  FleetSpec,
  FleetUpdate,
  Instance,
  InstanceState,
  InterruptionNotice,
  LifecycleActionRef,
  NetworkRate,
  NoticeSubscription,
  Volume,
  VolumeSpec,
} from "../provider.ts";
import { aliyunBaselineBandwidth } from "./aliyun-bandwidth.ts";
import type { AliyunClients } from "./aliyun-clients.ts";
import { AliyunFleets, type EssGroup, toFleet } from "./aliyun-fleets.ts";
import { aliyunNetworkRates } from "./aliyun-metrics.ts";
import { pollLifecycleNotices, pollSpotNotices } from "./aliyun-notices.ts";
import { AliyunVolumes, describeEcsInstances } from "./aliyun-volumes.ts";
import { EssRpc } from "./ess-rpc.ts";

export interface AliyunProviderOptions {
  regionId: string;
  /** ESS through the generic OpenAPI client, ECS, CloudMonitor; see createAliyunClients. */
  clients: AliyunClients;
  /** How often watched fleets are polled for notices while someone subscribes. Default 5 s. */
  pollIntervalMs?: number;
}

function stateOf(essState: string | undefined): InstanceState {
  if (!essState || essState.startsWith("Pending")) return "pending";
  if (essState.startsWith("Removing")) return "terminating";
  return "running";
}

/** Fleets on ESS scaling groups, ECS disks, CloudMonitor metrics and events. */
export class AliyunProvider implements CloudProvider {
  readonly kind = "aliyun" as const;
  readonly #clients: AliyunClients;
  readonly #regionId: string;
  readonly #ess: EssRpc;
  readonly #fleets: AliyunFleets;
  readonly #volumes: AliyunVolumes;
  readonly #notices = new NoticeHub();
  readonly #poller: NoticePoller;
  readonly #watched = new Set<string>();
  readonly #fleetOfInstance = new Map<string, string>();
  #closed = false;

  constructor(options: AliyunProviderOptions) {
    this.#clients = options.clients;
    this.#regionId = options.regionId;
    this.#ess = new EssRpc(options.clients.ess, options.regionId);
    this.#fleets = new AliyunFleets(this.#ess);
    this.#volumes = new AliyunVolumes(options.clients.ecs, options.regionId);
    this.#poller = new NoticePoller(this.#notices, options.pollIntervalMs ?? 5_000, () => this.#poll());
  }

  async createFleet(spec: FleetSpec): Promise<Fleet> {
    this.#open();
    const fleet = await this.#fleets.create(spec);
    this.#watched.add(spec.name);
    return fleet;
  }

  async updateFleet(name: string, update: FleetUpdate): Promise<Fleet> {
    this.#open();
    const fleet = await this.#fleets.update(name, update);
    this.#watched.add(name);
    return fleet;
  }

  async deleteFleet(name: string): Promise<void> {
    this.#open();
    await this.#fleets.delete(name);
    this.#watched.delete(name);
  }

  async describeFleet(name: string): Promise<Fleet | undefined> {
    this.#open();
    const group = await this.#fleets.describeGroup(name);
    if (!group) return undefined;
    if (group.LifecycleState !== "Deleting") this.#watched.add(name);
    return toFleet(group);
  }

  async listFleets(): Promise<Fleet[]> {
    this.#open();
    return (await this.#fleets.list()).map(toFleet);
  }

  async setDesiredCapacity(fleet: string, n: number): Promise<void> {
    this.#open();
    await this.#fleets.setDesiredCapacity(fleet, n);
  }

  async setInstanceProtection(
    fleet: string,
    instanceIds: readonly string[],
    protect: boolean,
  ): Promise<void> {
    this.#open();
    await this.#fleets.setProtection(fleet, instanceIds, protect);
  }

  async terminateInstance(
    fleet: string,
    instanceId: string,
    opts: { decrementCapacity: boolean },
  ): Promise<void> {
    this.#open();
    await this.#fleets.terminate(fleet, instanceId, opts.decrementCapacity);
  }

  async listInstances(fleet: string): Promise<Instance[]> {
    this.#open();
    const group = await this.#fleets.requireGroup(fleet);
    return this.#instancesOf(group);
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
    return this.#volumes.attach(volumeId, instanceId);
  }

  async detachVolume(volumeId: string, instanceId: string, opts?: { force?: boolean }): Promise<Volume> {
    this.#open();
    return this.#volumes.detach(volumeId, instanceId, opts?.force ?? false);
  }

  async listVolumes(tags: Readonly<Record<string, string>>): Promise<Volume[]> {
    this.#open();
    return this.#volumes.list(tags);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    this.#open();
    await this.#volumes.delete(volumeId);
  }

  async networkRates(instanceIds: readonly string[], windowSeconds: number): Promise<NetworkRate[]> {
    this.#open();
    return aliyunNetworkRates(this.#clients.cms, instanceIds, windowSeconds);
  }

  baselineBandwidth(instanceType: string): number {
    return aliyunBaselineBandwidth(instanceType);
  }

  interruptions(): NoticeSubscription {
    this.#open();
    const subscription = this.#notices.subscribe();
    void this.#poller.pollOnce();
    return subscription;
  }

  async completeLifecycleAction(ref: LifecycleActionRef, result: "CONTINUE" | "ABANDON"): Promise<void> {
    this.#open();
    await this.#ess.call(
      "CompleteLifecycleAction",
      { LifecycleHookId: ref.hookName, LifecycleActionToken: ref.token, LifecycleActionResult: result },
      CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
    );
  }

  async recordLifecycleHeartbeat(ref: LifecycleActionRef): Promise<void> {
    this.#open();
    // This action's parameters are spelled lowerCamelCase in the ESS 2014-08-28 reference.
    await this.#ess.call(
      "RecordLifecycleActionHeartbeat",
      { lifecycleHookId: ref.hookName, lifecycleActionToken: ref.token },
      CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#poller.stop();
    this.#notices.closeAll();
  }

  async #instancesOf(group: EssGroup): Promise<Instance[]> {
    const members = await this.#fleets.instances(group);
    const ecs = await describeEcsInstances(
      this.#clients.ecs,
      this.#regionId,
      members.map((m) => m.InstanceId),
    );
    return members.map((m) => {
      this.#fleetOfInstance.set(m.InstanceId, group.ScalingGroupName);
      const e = ecs.get(m.InstanceId);
      return {
        id: m.InstanceId,
        fleet: group.ScalingGroupName,
        zone: m.ZoneId ?? e?.zoneId ?? "",
        instanceType: e?.instanceType ?? "",
        lifecycle: e?.spotStrategy && e.spotStrategy !== "NoSpot" ? "spot" : "on-demand",
        state: e ? stateOf(m.LifecycleState) : "pending",
        privateAddress: e?.vpcAttributes?.privateIpAddress?.ipAddress?.[0],
        protectedFromScaleIn: m.LifecycleState === "Protected",
      };
    });
  }

  async #poll(): Promise<InterruptionNotice[]> {
    const notices: InterruptionNotice[] = [];
    for (const name of [...this.#watched]) {
      const group = await this.#fleets.describeGroup(name);
      if (!group) continue;
      await this.#instancesOf(group);
      notices.push(...(await pollLifecycleNotices(this.#ess, group)));
    }
    notices.push(...(await pollSpotNotices(this.#clients.cms, (id) => this.#fleetOfInstance.get(id))));
    return notices;
  }

  #open(): void {
    if (this.#closed) throw new CloudError(CloudErrorCode.PROVIDER_CLOSED, "the aliyun provider is closed");
  }
}
