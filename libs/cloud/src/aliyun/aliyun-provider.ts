import { CloudErrorCode } from "../errors.ts";
import { ScalingGroupProvider } from "../managed/scaling-group-provider.ts";
import type {
  CloudProvider,
  Instance,
  InstanceState,
  InterruptionNotice,
  LifecycleActionRef,
  NetworkRate,
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
export class AliyunProvider extends ScalingGroupProvider<EssGroup> implements CloudProvider {
  readonly kind = "aliyun" as const;
  readonly #clients: AliyunClients;
  readonly #regionId: string;
  readonly #ess: EssRpc;
  readonly #fleets: AliyunFleets;

  constructor(options: AliyunProviderOptions) {
    const ess = new EssRpc(options.clients.ess, options.regionId);
    const fleets = new AliyunFleets(ess);
    super({
      label: "aliyun",
      groups: fleets,
      volumes: new AliyunVolumes(options.clients.ecs, options.regionId),
      toFleet,
      isDeleting: (group) => group.LifecycleState === "Deleting",
      pollIntervalMs: options.pollIntervalMs,
    });
    this.#clients = options.clients;
    this.#regionId = options.regionId;
    this.#ess = ess;
    this.#fleets = fleets;
  }

  async listInstances(fleet: string): Promise<Instance[]> {
    this.assertOpen();
    const group = await this.#fleets.requireGroup(fleet);
    return this.#instancesOf(group);
  }

  async networkRates(instanceIds: readonly string[], windowSeconds: number): Promise<NetworkRate[]> {
    this.assertOpen();
    return aliyunNetworkRates(this.#clients.cms, instanceIds, windowSeconds);
  }

  baselineBandwidth(instanceType: string): number {
    return aliyunBaselineBandwidth(instanceType);
  }

  async completeLifecycleAction(ref: LifecycleActionRef, result: "CONTINUE" | "ABANDON"): Promise<void> {
    this.assertOpen();
    await this.#ess.call(
      "CompleteLifecycleAction",
      { LifecycleHookId: ref.hookName, LifecycleActionToken: ref.token, LifecycleActionResult: result },
      CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
    );
  }

  async recordLifecycleHeartbeat(ref: LifecycleActionRef): Promise<void> {
    this.assertOpen();
    // This action's parameters are spelled lowerCamelCase in the ESS 2014-08-28 reference.
    await this.#ess.call(
      "RecordLifecycleActionHeartbeat",
      { lifecycleHookId: ref.hookName, lifecycleActionToken: ref.token },
      CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
    );
  }

  async #instancesOf(group: EssGroup): Promise<Instance[]> {
    const members = await this.#fleets.instances(group);
    const ecs = await describeEcsInstances(
      this.#clients.ecs,
      this.#regionId,
      members.map((m) => m.InstanceId),
    );
    return members.map((m) => {
      this.fleetOfInstance.set(m.InstanceId, group.ScalingGroupName);
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

  protected async pollNotices(): Promise<InterruptionNotice[]> {
    const notices: InterruptionNotice[] = [];
    for (const name of [...this.watched]) {
      const group = await this.#fleets.describeGroup(name);
      if (!group) continue;
      await this.#instancesOf(group);
      notices.push(...(await pollLifecycleNotices(this.#ess, group)));
    }
    notices.push(...(await pollSpotNotices(this.#clients.cms, (id) => this.fleetOfInstance.get(id))));
    return notices;
  }
}
