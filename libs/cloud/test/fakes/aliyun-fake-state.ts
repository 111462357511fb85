import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { type FakeTiming, noDelays, ThrottleDraws } from "./fake-timing.ts";

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
  /** The user data it boots with (base64): its scaling configuration's, when ESS launched it. */
  userData?: string | undefined;
}

/**
 * What happens to the account's machines, for an emulated cloud that runs them (e2e's EmulatedAliyunCloud
 * boots each launched instance from its user data). Emitted synchronously, after the state changed.
 */
export interface FakeAliyunEvents {
  "instance-launched": [instance: FakeEcsInstance];
  "instance-released": [instance: FakeEcsInstance];
  "disk-attached": [diskId: string, instanceId: string];
  /** The disk leaves the instance at `until` (epoch ms): a DetachDisk, or the instance's release. */
  "disk-detaching": [diskId: string, instanceId: string, until: number];
}

/** The error ECS, ESS and CMS answer a request over the account's flow control with. */
export function throttlingError(): Error {
  return aliyunError("Throttling.User", "Request was denied due to user flow control.", 400);
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
  /** Launches, releases, attaches and detaches (see FakeAliyunEvents). */
  readonly events = new EventEmitter<FakeAliyunEvents>().setMaxListeners(0);
  /** Private addresses are this prefix + a counter from 10 (an emulated cloud on one host: "127.0.0."). */
  privateIpPrefix = "172.16.0.";
  #ip = 10;
  readonly #throttle = new ThrottleDraws();

  /** Requests refused as throttled so far. */
  get throttledRequests(): number {
    return this.#throttle.refused;
  }

  launch(zone: string, type: string, spotStrategy: string, userData?: string): FakeEcsInstance {
    const instance: FakeEcsInstance = {
      id: aliyunId("i"),
      zone,
      type,
      spotStrategy,
      ip: `${this.privateIpPrefix}${this.#ip++}`,
      userData,
    };
    this.instances.set(instance.id, instance);
    this.events.emit("instance-launched", instance);
    return instance;
  }

  /**
   * Releases an instance (also a spot reclaim). Its disks (DeleteWithInstance=false) stay: each is Detaching
   * for `timing.detachingMs`, as after a DetachDisk, then Available. ESS replaces a group member released
   * this way (its health check).
   */
  release(id: string): void {
    const instance = this.instances.get(id);
    if (!instance) return;
    this.instances.delete(id);
    const now = Date.now();
    const until = now + this.timing.detachingMs;
    for (const disk of this.disks.values()) {
      if (!disk.attachedTo.includes(id)) continue;
      const alreadyDetaching = disk.detachingUntil !== undefined && disk.attachedTo[0] === id;
      if (until > now && (disk.detachingUntil === undefined || alreadyDetaching)) {
        if (!alreadyDetaching) {
          disk.attachedTo = [id, ...disk.attachedTo.filter((x) => x !== id)];
          disk.detachingUntil = until;
        }
        this.events.emit("disk-detaching", disk.id, id, disk.detachingUntil!);
      } else {
        disk.attachedTo = disk.attachedTo.filter((x) => x !== id);
        this.events.emit("disk-detaching", disk.id, id, now);
      }
    }
    this.events.emit("instance-released", instance);
  }

  /** Whether the next request is throttled (`timing.throttleRate`, seeded: see ThrottleDraws). */
  throttled(): boolean {
    return this.#throttle.throttled(this.timing);
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
