import {
  AutoScalingClient,
  type AutoScalingGroup,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ScalingGroupProvider } from "../managed/scaling-group-provider.ts";
import type {
  CloudProvider,
  Instance,
  InterruptionNotice,
  LifecycleActionRef,
  NetworkRate,
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
  /**
   * Another endpoint for all three APIs (an emulator such as moto in server mode, a VPC endpoint) and
   * explicit credentials; default: the SDK's endpoints for `region` and its default credential chain.
   */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Injected clients (tests); overrides `endpoint` and `credentials`. */
  clients?: { autoScaling: AutoScalingClient; ec2: EC2Client; cloudWatch: CloudWatchClient };
  /** How often watched fleets are polled for notices while someone subscribes. Default 5 s. */
  pollIntervalMs?: number;
}

/** Fleets on EC2 Auto Scaling, EBS volumes, CloudWatch metrics. See README.md for what is verified how. */
export class AwsProvider extends ScalingGroupProvider<AutoScalingGroup> implements CloudProvider {
  readonly kind = "aws" as const;
  readonly #asg: AutoScalingClient;
  readonly #ec2: EC2Client;
  readonly #cloudWatch: CloudWatchClient;
  readonly #fleets: AwsFleets;

  constructor(options: AwsProviderOptions) {
    const config = { region: options.region, endpoint: options.endpoint, credentials: options.credentials };
    const clients = options.clients ?? {
      autoScaling: new AutoScalingClient(config),
      ec2: new EC2Client(config),
      cloudWatch: new CloudWatchClient(config),
    };
    const fleets = new AwsFleets(clients.autoScaling, clients.ec2);
    super({
      label: "aws",
      groups: fleets,
      volumes: new AwsVolumes(clients.ec2),
      toFleet,
      isDeleting: (group) => group.Status === "Delete in progress",
      pollIntervalMs: options.pollIntervalMs,
    });
    this.#asg = clients.autoScaling;
    this.#ec2 = clients.ec2;
    this.#cloudWatch = clients.cloudWatch;
    this.#fleets = fleets;
  }

  async listInstances(fleet: string): Promise<Instance[]> {
    this.assertOpen();
    const instances = await listGroupInstances(this.#ec2, await this.#fleets.requireGroup(fleet));
    for (const i of instances) this.fleetOfInstance.set(i.id, fleet);
    return instances;
  }

  async networkRates(instanceIds: readonly string[], windowSeconds: number): Promise<NetworkRate[]> {
    this.assertOpen();
    return awsNetworkRates(this.#cloudWatch, instanceIds, windowSeconds);
  }

  baselineBandwidth(instanceType: string): number {
    return awsBaselineBandwidth(instanceType);
  }

  /**
   * Feeds an EventBridge event (spot interruption warning, rebalance recommendation, terminate lifecycle
   * action) into the notice stream. Returns the notice, or undefined if the event is not one of ours.
   */
  ingestEvent(event: EventBridgeEvent): InterruptionNotice | undefined {
    const notice = eventBridgeNotice(event, (id) => this.fleetOfInstance.get(id));
    if (notice) this.notices.publish(notice);
    return notice;
  }

  async completeLifecycleAction(ref: LifecycleActionRef, result: "CONTINUE" | "ABANDON"): Promise<void> {
    this.assertOpen();
    try {
      await this.#asg.send(
        new CompleteLifecycleActionCommand({ ...lifecycleTarget(ref), LifecycleActionResult: result }),
      );
    } catch (error) {
      throw fromAwsError(error, "CompleteLifecycleAction");
    }
  }

  async recordLifecycleHeartbeat(ref: LifecycleActionRef): Promise<void> {
    this.assertOpen();
    try {
      await this.#asg.send(new RecordLifecycleActionHeartbeatCommand(lifecycleTarget(ref)));
    } catch (error) {
      throw fromAwsError(error, "RecordLifecycleActionHeartbeat");
    }
  }

  protected async pollNotices(): Promise<InterruptionNotice[]> {
    const notices: InterruptionNotice[] = [];
    for (const name of [...this.watched]) {
      const group = await this.#fleets.describeGroup(name);
      if (!group) continue;
      for (const m of group.Instances ?? []) if (m.InstanceId) this.fleetOfInstance.set(m.InstanceId, name);
      notices.push(...(await pollGroupNotices(this.#ec2, group)));
    }
    return notices;
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
