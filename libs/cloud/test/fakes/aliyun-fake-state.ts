import { randomBytes, randomUUID } from "node:crypto";
import { type FakeTiming, noDelays } from "./fake-timing.ts";

/** An error shaped like a Tea (Alibaba SDK) error: the API error code as `code`. */
export function aliyunError(code: string, message: string, statusCode = 400): Error {
  const error = new Error(`code: ${statusCode}, ${message}`);
  Object.assign(error, { code, statusCode, data: { statusCode, Code: code, Message: message } });
  return error;
}

export function aliyunId(prefix: string): string {
  return `${prefix}-${randomBytes(10).toString("hex").slice(0, 20)}`;
}

export interface FakeEcsInstance {
  id: string;
  zone: string;
  type: string;
  spotStrategy: string;
  ip: string;
}

export interface FakeDisk {
  id: string;
  zone: string;
  size: number;
  category: string;
  performanceLevel: string | undefined;
  multiAttach: boolean;
  tags: Record<string, string>;
  attachedTo: string[];
  createdAt: number;
  /** Set by DetachDisk: the disk is `Detaching` from `attachedTo[0]` until then. */
  detachingUntil?: number;
}

export interface FakeEssMember {
  id: string;
  zone: string;
  state: "InService" | "Protected" | "Removing:Wait";
  launchedAt: number;
}

export interface FakeLifecycleAction {
  token: string;
  hookId: string;
  activityId: string;
  instanceIds: string[];
  status: "Pending" | "Continued" | "Abandoned";
}

export interface FakeEssGroup {
  id: string;
  name: string;
  tags: Record<string, string>;
  state: "Inactive" | "Active";
  min: number;
  max: number;
  desired: number;
  zones: string[];
  onDemandBase: number;
  onDemandPct: number;
  configId: string | undefined;
  hooks: Map<string, { name: string; transition: string; timeout: number; defaultResult: string }>;
  members: Map<string, FakeEssMember>;
}

export interface FakeScalingConfiguration {
  id: string;
  groupId: string;
  instanceTypes: string[];
  spotStrategy: string;
  userData: string | undefined;
}

/** One Alibaba Cloud account in one region, shared by the ESS, ECS and CMS fakes. */
export class FakeAliyunAccount {
  /** Injected convergence delays (see fake-timing.ts); tests set them. */
  timing: FakeTiming = noDelays();
  readonly regionId = "cn-hangzhou";
  readonly zones = ["cn-hangzhou-h", "cn-hangzhou-i"] as const;
  readonly vSwitches = new Map([
    ["vsw-h", "cn-hangzhou-h"],
    ["vsw-i", "cn-hangzhou-i"],
  ]);
  readonly groups = new Map<string, FakeEssGroup>();
  /** `<Action>/<ClientToken>` → what the first request made and the parameters it carried. */
  readonly clientTokens = new Map<string, { id: string; key: string }>();
  readonly configurations = new Map<string, FakeScalingConfiguration>();
  readonly activities = new Map<string, { groupId: string; status: "InProgress" | "Successful" }>();
  readonly lifecycleActions: FakeLifecycleAction[] = [];
  readonly instances = new Map<string, FakeEcsInstance>();
  readonly disks = new Map<string, FakeDisk>();
  readonly diskTokens = new Map<string, string>();
  /** bytes/s per instance, served by CMS as bits/s. */
  readonly traffic = new Map<string, { in: number; out: number }>();
  readonly systemEvents: { name: string; time: number; content: string }[] = [];
  readonly requests: { api: string; action: string; args: Record<string, unknown> }[] = [];
  #ip = 10;

  launch(zone: string, type: string, spotStrategy: string): FakeEcsInstance {
    const instance = { id: aliyunId("i"), zone, type, spotStrategy, ip: `172.16.0.${this.#ip++}` };
    this.instances.set(instance.id, instance);
    return instance;
  }

  /** Releases an instance; its disks (DeleteWithInstance=false) become Available. */
  release(id: string): void {
    this.instances.delete(id);
    for (const disk of this.disks.values()) disk.attachedTo = disk.attachedTo.filter((x) => x !== id);
  }

  /** Raises the preemptible-instance interruption event, as ECS does 5 minutes before the reclaim. */
  interruptSpot(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.spotStrategy === "NoSpot")
      throw new Error(`${instanceId} is not a preemptible instance`);
    this.systemEvents.push({
      name: "Instance:PreemptibleInstanceInterruption",
      time: Date.now(),
      content: JSON.stringify({ instanceId, action: "delete" }),
    });
  }

  token(): string {
    return randomUUID();
  }
}
