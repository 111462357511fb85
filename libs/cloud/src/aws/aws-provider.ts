import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { CloudError, CloudErrorCode } from "../errors.ts";
import { NoticeHub } from "../notice-hub.ts";
import { NoticePoller } from "../notice-poller.ts";
import type {
  CloudProvider,
  Fleet,
  FleetSpec,
  FleetUpdate,
  Instance,
  InterruptionNotice,
  LifecycleActionRef,
  NetworkRate,
  NoticeSubscription,
  Volume,
  VolumeSpec,
} from "../provider.ts";
import { fromAwsError } from "./aws-errors.ts";
import { AwsFleets, toFleet } from "./aws-fleets.ts";
import { listGroupInstances } from "./aws-instances.ts";
import { awsNetworkRates } from "./aws-metrics.ts";
import { type EventBridgeEvent, eventBridgeNotice, pollGroupNotices } from "./aws-notices.ts";
import { AwsVolumes } from "./aws-volumes.ts";
import { awsBaselineBandwidth } from "./instance-bandwidth.ts";

export interface AwsProviderOptions {
  region: string;
  /** Injected clients (tests, custom credentials); default: SDK clients for `region`. */
  clients?: { autoScaling: AutoScalingClient; ec2: EC2Client; cloudWatch: CloudWatchClient };
  /** How often watched fleets are polled for notices while someone subscribes. Default 5 s. */
  pollIntervalMs?: number;
}

/** Fleets on EC2 Auto Scaling, EBS volumes, CloudWatch metrics. See README.md for what is verified how. */
export class AwsProvider implements CloudProvider {
  readonly kind = "aws" as const;
  readonly #asg: AutoScalingClient;
  readonly #ec2: EC2Client;
  readonly #cloudWatch: CloudWatchClient;
  readonly #fleets: AwsFleets;
  readonly #volumes: AwsVolumes;
  readonly #notices = new NoticeHub();
  readonly #poller: NoticePoller;
  /** Fleets watched for notices, and the last known fleet of each instance (for EventBridge events). */
  readonly #watched = new Set<string>();
  readonly #fleetOfInstance = new Map<string, string>();
  #closed = false;

  constructor(options: AwsProviderOptions) {
    const clients = options.clients ?? {
      autoScaling: new AutoScalingClient({ region: options.region }),
      ec2: new EC2Client({ region: options.region }),
      cloudWatch: new CloudWatchClient({ region: options.region }),
    };
    this.#asg = clients.autoScaling;
    this.#ec2 = clients.ec2;
    this.#cloudWatch = clients.cloudWatch;
    this.#fleets = new AwsFleets(this.#asg, this.#ec2);
    this.#volumes = new AwsVolumes(this.#ec2);
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
    if (group.Status !== "Delete in progress") this.#watched.add(name);
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
    const instances = await listGroupInstances(this.#ec2, await this.#fleets.requireGroup(fleet));
    for (const i of instances) this.#fleetOfInstance.set(i.id, fleet);
    return instances;
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
    return awsNetworkRates(this.#cloudWatch, instanceIds, windowSeconds);
  }

  baselineBandwidth(instanceType: string): number {
    return awsBaselineBandwidth(instanceType);
  }

  interruptions(): NoticeSubscription {
    this.#open();
    const subscription = this.#notices.subscribe();
    void this.#poller.pollOnce();
    return subscription;
  }

  /**
   * Feeds an EventBridge event (spot interruption warning, rebalance recommendation, terminate lifecycle
   * action) into the notice stream. Returns the notice, or undefined if the event is not one of ours.
   */
  ingestEvent(event: EventBridgeEvent): InterruptionNotice | undefined {
    const notice = eventBridgeNotice(event, (id) => this.#fleetOfInstance.get(id));
    if (notice) this.#notices.publish(notice);
    return notice;
  }

  async completeLifecycleAction(ref: LifecycleActionRef, result: "CONTINUE" | "ABANDON"): Promise<void> {
    this.#open();
    try {
      await this.#asg.send(
        new CompleteLifecycleActionCommand({ ...lifecycleTarget(ref), LifecycleActionResult: result }),
      );
    } catch (error) {
      throw fromAwsError(error, "CompleteLifecycleAction");
    }
  }

  async recordLifecycleHeartbeat(ref: LifecycleActionRef): Promise<void> {
    this.#open();
    try {
      await this.#asg.send(new RecordLifecycleActionHeartbeatCommand(lifecycleTarget(ref)));
    } catch (error) {
      throw fromAwsError(error, "RecordLifecycleActionHeartbeat");
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#poller.stop();
    this.#notices.closeAll();
  }

  async #poll(): Promise<InterruptionNotice[]> {
    const notices: InterruptionNotice[] = [];
    for (const name of [...this.#watched]) {
      const group = await this.#fleets.describeGroup(name);
      if (!group) continue;
      for (const m of group.Instances ?? []) if (m.InstanceId) this.#fleetOfInstance.set(m.InstanceId, name);
      notices.push(...(await pollGroupNotices(this.#ec2, group)));
    }
    return notices;
  }

  #open(): void {
    if (this.#closed) throw new CloudError(CloudErrorCode.PROVIDER_CLOSED, "the aws provider is closed");
  }
}

/** A polled notice has no token: Auto Scaling then identifies the action by instance id. */
function lifecycleTarget(ref: LifecycleActionRef) {
  return {
    AutoScalingGroupName: ref.fleet,
    LifecycleHookName: ref.hookName,
    InstanceId: ref.instanceId,
    LifecycleActionToken: ref.token || undefined,
  };
}
