import { CloudError, CloudErrorCode } from "../errors.ts";
import { NoticeHub } from "../notice-hub.ts";
import { NoticePoller } from "../notice-poller.ts";
import type {
  Fleet,
  FleetSpec,
  FleetUpdate,
  InterruptionNotice,
  NoticeSubscription,
  Volume,
  VolumeSpec,
} from "../provider.ts";

/**
 * A cloud's scaling groups (EC2 Auto Scaling, Alibaba ESS) as the provider uses them. `G` is the cloud's
 * own group record. Every call completes its request or throws a CloudError; none waits for convergence.
 */
export interface ScalingGroups<G> {
  create(spec: FleetSpec): Promise<Fleet>;
  update(name: string, update: FleetUpdate): Promise<Fleet>;
  /** Succeeds if the group is already gone. */
  delete(name: string): Promise<void>;
  /** undefined if no such group. */
  describeGroup(name: string): Promise<G | undefined>;
  list(): Promise<G[]>;
  /** FLEET_NOT_FOUND if no such group. */
  requireGroup(name: string): Promise<G>;
  setDesiredCapacity(name: string, n: number): Promise<void>;
  setProtection(name: string, instanceIds: readonly string[], protect: boolean): Promise<void>;
  terminate(name: string, instanceId: string, decrement: boolean): Promise<void>;
}

/** A cloud's block volumes (EBS, ECS disks), same failure contract as ScalingGroups. */
export interface BlockVolumes {
  create(spec: VolumeSpec): Promise<Volume>;
  describe(volumeId: string): Promise<Volume | undefined>;
  attach(volumeId: string, instanceId: string): Promise<Volume>;
  detach(volumeId: string, instanceId: string, force: boolean): Promise<Volume>;
  list(tags: Readonly<Record<string, string>>): Promise<Volume[]>;
  delete(volumeId: string): Promise<void>;
}

export interface ScalingGroupProviderParts<G> {
  /** Names the provider in PROVIDER_CLOSED messages ("the aws provider is closed"). */
  label: string;
  groups: ScalingGroups<G>;
  volumes: BlockVolumes;
  /** A group record as the provider interface's Fleet. */
  toFleet: (group: G) => Fleet;
  /** True while the group is being deleted: such a group is no longer watched for notices. */
  isDeleting: (group: G) => boolean;
  /** How often watched fleets are polled for notices while someone subscribes. Default 5 s. */
  pollIntervalMs?: number;
}

/**
 * What the aws and aliyun providers share: fleet and volume calls passed to the cloud's groups and
 * volumes, the set of fleets watched for interruption notices, the last known fleet of each instance
 * (notices from instance-level sources name only the instance), and the notice stream with its poller.
 * Every public call throws PROVIDER_CLOSED once close() has run. Subclasses add listing instances,
 * metrics, lifecycle actions and `pollNotices`.
 */
export abstract class ScalingGroupProvider<G> {
  protected readonly groups: ScalingGroups<G>;
  protected readonly volumes: BlockVolumes;
  protected readonly notices = new NoticeHub();
  /** Fleets watched for notices, and the last known fleet of each instance. */
  protected readonly watched = new Set<string>();
  protected readonly fleetOfInstance = new Map<string, string>();
  readonly #poller: NoticePoller;
  readonly #label: string;
  readonly #toFleet: (group: G) => Fleet;
  readonly #isDeleting: (group: G) => boolean;
  #closed = false;

  constructor(parts: ScalingGroupProviderParts<G>) {
    this.groups = parts.groups;
    this.volumes = parts.volumes;
    this.#label = parts.label;
    this.#toFleet = parts.toFleet;
    this.#isDeleting = parts.isDeleting;
    this.#poller = new NoticePoller(this.notices, parts.pollIntervalMs ?? 5_000, () => this.pollNotices());
  }

  /** Notices for the watched fleets (and their instances) as the cloud reports them now. */
  protected abstract pollNotices(): Promise<InterruptionNotice[]>;

  async createFleet(spec: FleetSpec): Promise<Fleet> {
    this.assertOpen();
    const fleet = await this.groups.create(spec);
    this.watched.add(spec.name);
    return fleet;
  }

  async updateFleet(name: string, update: FleetUpdate): Promise<Fleet> {
    this.assertOpen();
    const fleet = await this.groups.update(name, update);
    this.watched.add(name);
    return fleet;
  }

  async deleteFleet(name: string): Promise<void> {
    this.assertOpen();
    await this.groups.delete(name);
    this.watched.delete(name);
  }

  async describeFleet(name: string): Promise<Fleet | undefined> {
    this.assertOpen();
    const group = await this.groups.describeGroup(name);
    if (!group) return undefined;
    if (!this.#isDeleting(group)) this.watched.add(name);
    return this.#toFleet(group);
  }

  async listFleets(): Promise<Fleet[]> {
    this.assertOpen();
    return (await this.groups.list()).map(this.#toFleet);
  }

  async setDesiredCapacity(fleet: string, n: number): Promise<void> {
    this.assertOpen();
    await this.groups.setDesiredCapacity(fleet, n);
  }

  async setInstanceProtection(
    fleet: string,
    instanceIds: readonly string[],
    protect: boolean,
  ): Promise<void> {
    this.assertOpen();
    await this.groups.setProtection(fleet, instanceIds, protect);
  }

  async terminateInstance(
    fleet: string,
    instanceId: string,
    opts: { decrementCapacity: boolean },
  ): Promise<void> {
    this.assertOpen();
    await this.groups.terminate(fleet, instanceId, opts.decrementCapacity);
  }

  async createVolume(spec: VolumeSpec): Promise<Volume> {
    this.assertOpen();
    return this.volumes.create(spec);
  }

  async describeVolume(volumeId: string): Promise<Volume | undefined> {
    this.assertOpen();
    return this.volumes.describe(volumeId);
  }

  async attachVolume(volumeId: string, instanceId: string): Promise<Volume> {
    this.assertOpen();
    return this.volumes.attach(volumeId, instanceId);
  }

  async detachVolume(volumeId: string, instanceId: string, opts?: { force?: boolean }): Promise<Volume> {
    this.assertOpen();
    return this.volumes.detach(volumeId, instanceId, opts?.force ?? false);
  }

  async listVolumes(tags: Readonly<Record<string, string>>): Promise<Volume[]> {
    this.assertOpen();
    return this.volumes.list(tags);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    this.assertOpen();
    await this.volumes.delete(volumeId);
  }

  interruptions(): NoticeSubscription {
    this.assertOpen();
    const subscription = this.notices.subscribe();
    void this.#poller.pollOnce();
    return subscription;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#poller.stop();
    this.notices.closeAll();
  }

  protected assertOpen(): void {
    if (this.#closed) {
      throw new CloudError(CloudErrorCode.PROVIDER_CLOSED, `the ${this.#label} provider is closed`);
    }
  }
}
