import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { type FakeTiming, noDelays, ThrottleDraws } from "./fake-timing.ts";

/** An error shaped like the SDK's: the service error code as `name`, with `$fault`. */
export function awsError(name: string, message: string, fault: "client" | "server" = "client"): Error {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, { $fault: fault, $metadata: { httpStatusCode: fault === "client" ? 400 : 500 } });
  return error;
}

export function fakeId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

export interface FakeEc2Instance {
  id: string;
  zone: string;
  type: string;
  spotRequestId: string | undefined;
  state: "running" | "terminated";
  privateIp: string;
  devices: Map<string, string>;
  /** The user data it boots with (base64): its launch template's, when Auto Scaling launched it. */
  userData: string | undefined;
}

/**
 * What happens to the account's machines, for an emulated cloud that runs them (e2e's EmulatedAwsCloud boots
 * each launched instance from its user data). Emitted synchronously, after the state changed.
 */
export interface FakeAwsEvents {
  "instance-launched": [instance: FakeEc2Instance];
  "instance-terminated": [instance: FakeEc2Instance];
  "volume-attached": [volumeId: string, instanceId: string];
  /** The attachment leaves the instance at `until` (epoch ms): a detach, or the instance's termination. */
  "volume-detaching": [volumeId: string, instanceId: string, until: number];
}

export interface FakeVolume {
  id: string;
  zone: string;
  size: number;
  type: string;
  iops: number | undefined;
  multiAttach: boolean;
  tags: Record<string, string>;
  state: "creating" | "available" | "in-use" | "deleted";
  createdAt: number;
  /** `detachingUntil`: set by DetachVolume while the detach takes `timing.detachingMs`. */
  attachments: { instanceId: string; device: string; detachingUntil?: number }[];
}

export interface FakeMember {
  id: string;
  zone: string;
  type: string;
  state: "InService" | "Terminating:Wait" | "Terminated";
  protectedFromScaleIn: boolean;
  launchedAt: number;
  pendingAction?: { hook: string; token: string };
}

export interface FakeGroup {
  name: string;
  tags: Record<string, string>;
  min: number;
  max: number;
  desired: number;
  subnets: string[];
  templateName: string;
  instanceTypes: string[];
  onDemandBase: number;
  onDemandPct: number;
  capacityRebalance: boolean;
  hooks: Map<string, { timeout: number; defaultResult: string }>;
  members: Map<string, FakeMember>;
}

/** The state both fake services share, as one AWS account in one region would. */
export class FakeAwsAccount {
  /** Injected convergence delays (see fake-timing.ts); tests set them. */
  timing: FakeTiming = noDelays();
  readonly zones = ["us-east-1a", "us-east-1b"] as const;
  readonly subnets = new Map([
    ["subnet-aaaa", "us-east-1a"],
    ["subnet-bbbb", "us-east-1b"],
  ]);
  readonly launchTemplates = new Map<
    string,
    { id: string; token: string | undefined; key: string; versions: Record<string, unknown>[] }
  >();
  readonly groups = new Map<string, FakeGroup>();
  readonly instances = new Map<string, FakeEc2Instance>();
  readonly spotRequests = new Map<string, { instanceId: string; code: string; updateTime: Date }>();
  readonly volumes = new Map<string, FakeVolume>();
  readonly volumeTokens = new Map<string, { volumeId: string; key: string }>();
  readonly traffic = new Map<string, { in: number; out: number }>();
  /** Every request, by command name, for tests that check what was sent. */
  readonly requests: { command: string; input: Record<string, unknown> }[] = [];
  /** Launches, terminations, attaches and detaches (see FakeAwsEvents). */
  readonly events = new EventEmitter<FakeAwsEvents>().setMaxListeners(0);
  /** Private addresses are this prefix + a counter from 10 (an emulated cloud on one host: "127.0.0."). */
  privateIpPrefix = "10.0.0.";
  #ipCounter = 10;

  launchInstance(zone: string, type: string, spot: boolean, userData?: string): FakeEc2Instance {
    const id = fakeId("i");
    const spotRequestId = spot ? fakeId("sir") : undefined;
    const instance: FakeEc2Instance = {
      id,
      zone,
      type,
      spotRequestId,
      state: "running",
      privateIp: `${this.privateIpPrefix}${this.#ipCounter++}`,
      devices: new Map(),
      userData,
    };
    this.instances.set(id, instance);
    if (spotRequestId)
      this.spotRequests.set(spotRequestId, { instanceId: id, code: "fulfilled", updateTime: new Date() });
    this.events.emit("instance-launched", instance);
    return instance;
  }

  /**
   * EC2 terminate (also a spot reclaim): attached volumes (DeleteOnTermination=false) detach, taking
   * `timing.detachingMs` as a DetachVolume does, then are available again. Auto Scaling replaces a group
   * member terminated this way (its EC2 health check).
   */
  terminateInstance(id: string): void {
    const instance = this.instances.get(id);
    if (!instance || instance.state === "terminated") return;
    instance.state = "terminated";
    const until = Date.now() + this.timing.detachingMs;
    for (const volume of this.volumes.values()) {
      for (const a of volume.attachments) {
        if (a.instanceId !== id || a.detachingUntil !== undefined) continue;
        a.detachingUntil = until;
        this.events.emit("volume-detaching", volume.id, id, until);
      }
      if (until <= Date.now()) {
        volume.attachments = volume.attachments.filter((a) => a.instanceId !== id);
        if (volume.state === "in-use" && volume.attachments.length === 0) volume.state = "available";
      }
    }
    this.events.emit("instance-terminated", instance);
  }

  /** Marks a spot instance for reclaim, as EC2 does two minutes before taking it. */
  markSpotForTermination(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (!instance?.spotRequestId) throw new Error(`${instanceId} is not a spot instance`);
    this.spotRequests.set(instance.spotRequestId, {
      instanceId,
      code: "marked-for-termination",
      updateTime: new Date(),
    });
  }

  readonly #throttle = new ThrottleDraws();

  /** Requests refused as throttled so far. */
  get throttledRequests(): number {
    return this.#throttle.refused;
  }

  /** Whether the next request is throttled (`timing.throttleRate`, seeded: see ThrottleDraws). */
  throttled(): boolean {
    return this.#throttle.throttled(this.timing);
  }

  newToken(): string {
    return randomUUID();
  }
}
