/**
 * The one interface every provider implements. It is shaped for reconcile loops:
 * - every mutating call is idempotent where the cloud allows it: creating a fleet that already exists
 *   with that name returns it, deleting something already gone succeeds, a volume created twice with
 *   the same `clientToken` is created once;
 * - every call either completes its request or throws a CloudError (see errors.ts); calls do not wait
 *   for the cloud to converge (instances booting, volumes attaching): read state back with
 *   listInstances / describeVolume and act again on the next pass;
 * - state is read from the cloud (or, for local, from its persisted state file), never only from memory,
 *   so a restarted control plane sees what exists.
 */

/** How to start one broker. local runs it as a child process; aws/aliyun run it from the user data. */
export interface LaunchSpec {
  /** With a bundle, a relative command names a file inside the unpacked bundle. */
  command: string;
  args: readonly string[];
  /** Extra environment; the provider adds the CIRRUS_* variables documented in README.md. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Cloud instances: a tarball the boot script downloads, checks and unpacks before running `command`. */
  bundle?: LaunchBundle;
}

/** A runtime tarball a stock-image instance fetches at boot (see user-data.ts). */
export interface LaunchBundle {
  /** http(s) URL of the tarball (fetched with curl, else wget). */
  url: string;
  /** Its sha256, hex: the boot refuses to run anything else. */
  sha256: string;
  /** Download attempts before the boot gives up (default 60: about 28 minutes of waits at the 30 s cap). */
  attempts?: number;
  /** First wait between attempts in seconds, doubled each time up to 30 (default 1). */
  retryDelaySeconds?: number;
  /** Where bundles are unpacked (default /var/lib/cirrus; the machine's CIRRUS_BOOT_DIR overrides it). */
  dataDir?: string;
}

export interface LifecycleHookSpec {
  /** How long an instance waits in the terminating state for completeLifecycleAction (30..7200 s). */
  heartbeatTimeoutSeconds: number;
  /** What happens when the timeout passes without completion. */
  defaultResult: "CONTINUE" | "ABANDON";
}

export interface FleetSpec {
  /** Unique per provider account/region: ASG name, ESS group name, local fleet folder. [a-zA-Z0-9-], 1..64. */
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** Zones instances are spread across (aws: one subnet per zone in `aws.subnetIds`). */
  zones: readonly string[];
  /** Candidate instance types, preferred first. */
  instanceTypes: readonly string[];
  /** The first N instances are on-demand. */
  onDemandBaseCapacity: number;
  /** Share (0..100) of the instances above the base that are on-demand; the rest are spot. */
  onDemandPercentageAboveBase: number;
  /** Launch a replacement when a spot instance gets a rebalance recommendation (aws CapacityRebalance). */
  capacityRebalance: boolean;
  /** A termination lifecycle hook: terminating instances wait for drain (see interruption notices). */
  terminationHook?: LifecycleHookSpec;
  launch: LaunchSpec;
  tags?: Readonly<Record<string, string>>;
  /** Cloud-only settings, ignored by the other providers. */
  aws?: {
    /** An AMI id, or `resolve:ssm:<parameter>` (the launch template resolves the SSM parameter at launch). */
    imageId: string;
    subnetIds: readonly string[];
    securityGroupIds: readonly string[];
    instanceProfileArn?: string;
  };
  aliyun?: {
    imageId: string;
    vSwitchIds: readonly string[];
    securityGroupId: string;
    /** The RAM role the instances run with (ScalingConfiguration RamRoleName). */
    ramRoleName?: string;
  };
}

export interface Fleet {
  name: string;
  /** The cloud's own id (ASG ARN, ESS ScalingGroupId, local fleet name). */
  id: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /**
   * `incomplete`: a create that stopped half-way (an ESS group still Inactive: no configuration or
   * never enabled) launches nothing until `createFleet` is called again, which finishes it.
   */
  status: "active" | "incomplete" | "deleting";
}

export type FleetUpdate = Partial<
  Pick<
    FleetSpec,
    | "minSize"
    | "maxSize"
    | "desiredCapacity"
    | "instanceTypes"
    | "onDemandBaseCapacity"
    | "onDemandPercentageAboveBase"
    | "capacityRebalance"
    | "launch"
  >
>;

export type InstanceState = "pending" | "running" | "terminating" | "terminated";
export type Lifecycle = "spot" | "on-demand";

export interface Instance {
  id: string;
  fleet: string;
  zone: string;
  instanceType: string;
  lifecycle: Lifecycle;
  state: InstanceState;
  /** Private address brokers are reached on; undefined until the cloud assigns one. */
  privateAddress: string | undefined;
  protectedFromScaleIn: boolean;
  /** Ports of a local instance (undefined in the clouds, where brokers use the fixed ports of the image). */
  ports?: { kafka: number; admin: number };
}

export interface VolumeSpec {
  zone: string;
  sizeGiB: number;
  /** Provider volume type: aws gp3|io2, aliyun cloud_essd|cloud_auto, local file. */
  type: string;
  multiAttach: boolean;
  /** Same token → same volume (the cloud's ClientToken), so a retried create never makes two. */
  clientToken: string;
  iops?: number;
  tags?: Readonly<Record<string, string>>;
}

export interface Volume {
  id: string;
  zone: string;
  sizeGiB: number;
  type: string;
  multiAttach: boolean;
  state: "creating" | "available" | "in-use" | "deleting" | "deleted" | "error";
  /** The tags given at creation (listVolumes filters on them). */
  tags: Readonly<Record<string, string>>;
  /** Instances the volume is attached (or attaching) to. */
  attachedTo: readonly string[];
  /** local only: where the volume's file is visible to each attached instance. */
  paths?: Readonly<Record<string, string>>;
}

export interface NetworkRate {
  instanceId: string;
  inBytesPerSecond: number;
  outBytesPerSecond: number;
  /** The window the rate was measured over [from, to). */
  from: Date;
  to: Date;
}

export type InterruptionKind = "spot-reclaim" | "lifecycle-terminate" | "rebalance-recommendation";

export interface InterruptionNotice {
  /** Stable for one event: the same notice seen twice by a poller carries the same id. */
  id: string;
  kind: InterruptionKind;
  fleet: string;
  instanceId: string;
  /** When the instance will be gone (epoch ms), if the cloud says so. */
  deadline: number | undefined;
  /** Present for lifecycle-terminate: pass to completeLifecycleAction / recordLifecycleHeartbeat. */
  lifecycle?: { hookName: string; token: string };
}

export interface LifecycleActionRef {
  fleet: string;
  instanceId: string;
  hookName: string;
  token: string;
}

export interface NoticeSubscription extends AsyncIterable<InterruptionNotice> {
  /** Notices dropped because this subscriber fell more than the buffer size behind. */
  readonly dropped: number;
  close(): void;
}

export interface CloudProvider {
  readonly kind: "local" | "aws" | "aliyun";

  /** Creates the fleet, or returns it unchanged if a fleet with this name exists. */
  createFleet(spec: FleetSpec): Promise<Fleet>;
  /** Throws FLEET_NOT_FOUND if absent, CAPACITY_OUT_OF_RANGE if min <= desired <= max would not hold. */
  updateFleet(name: string, update: FleetUpdate): Promise<Fleet>;
  /** Terminates every instance (lifecycle hooks skipped) and removes the fleet; succeeds if already gone. */
  deleteFleet(name: string): Promise<void>;
  /** undefined if the fleet does not exist. Also starts watching it for interruption notices. */
  describeFleet(name: string): Promise<Fleet | undefined>;
  /**
   * Every fleet created through this interface (tagged `cirrus:fleet` in the clouds), deleting ones
   * included: a restarted control plane compares this with its database to find leftovers.
   */
  listFleets(): Promise<Fleet[]>;
  /** CAPACITY_OUT_OF_RANGE unless minSize <= n <= maxSize. */
  setDesiredCapacity(fleet: string, n: number): Promise<void>;
  /** Protected instances are never chosen for scale-in (they can still be terminated explicitly). */
  setInstanceProtection(fleet: string, instanceIds: readonly string[], protect: boolean): Promise<void>;
  /**
   * Terminates a chosen instance. With decrementCapacity the fleet's desired capacity drops by one and
   * no replacement is launched; without it, the fleet launches a replacement. Goes through the
   * termination hook when the fleet has one.
   */
  terminateInstance(fleet: string, instanceId: string, opts: { decrementCapacity: boolean }): Promise<void>;
  /** Instances of the fleet that are not yet terminated, in no particular order. */
  listInstances(fleet: string): Promise<Instance[]>;

  createVolume(spec: VolumeSpec): Promise<Volume>;
  describeVolume(volumeId: string): Promise<Volume | undefined>;
  /** ZONE_MISMATCH across zones; VOLUME_IN_USE when attached elsewhere and the volume is not multi-attach. */
  attachVolume(volumeId: string, instanceId: string): Promise<Volume>;
  /** force: detach even if the instance is dead or unresponsive (data not flushed by it may be lost). */
  detachVolume(volumeId: string, instanceId: string, opts?: { force?: boolean }): Promise<Volume>;
  /** Volumes that carry every one of `tags` (e.g. `{ "cirrus:cluster": id }`), to find leftovers. */
  listVolumes(tags: Readonly<Record<string, string>>): Promise<Volume[]>;
  /** VOLUME_IN_USE while attached; succeeds if already gone. */
  deleteVolume(volumeId: string): Promise<void>;

  /**
   * Network rate per instance over the last `windowSeconds` (ending now). Instances with no data in the
   * window are left out of the result (a just-launched instance has none yet).
   */
  networkRates(instanceIds: readonly string[], windowSeconds: number): Promise<NetworkRate[]>;
  /** Sustained (baseline, not burst) network bandwidth of an instance type, bytes/s, for watermarks. */
  baselineBandwidth(instanceType: string): number;

  /**
   * Interruption notices for every fleet this provider created, updated or described. Each subscriber
   * sees every notice raised after it subscribed, in the order raised; a subscriber more than 1024
   * notices behind loses the oldest ones (counted in `dropped`). Closing the provider ends all streams.
   */
  interruptions(): NoticeSubscription;
  /** Lets a termination continue (or abandon it). LIFECYCLE_ACTION_NOT_FOUND if the token is not pending. */
  completeLifecycleAction(ref: LifecycleActionRef, result: "CONTINUE" | "ABANDON"): Promise<void>;
  /** Extends the wait by the hook's heartbeat timeout. */
  recordLifecycleHeartbeat(ref: LifecycleActionRef): Promise<void>;

  /** Stops pollers and timers. Does not touch cloud resources (local: leaves brokers running). */
  close(): Promise<void>;
}
