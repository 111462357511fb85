// An emulated Alibaba Cloud region that runs real brokers: the stateful ESS / ECS / CloudMonitor fakes of
// `@cirrus/cloud/emulators` (every ESS request checked against Alibaba's official 2014-08-28 request
// definitions) decide what exists; EmulatedRegion makes it run on this machine. Each instance a fake scaling
// group launches is booted from its scaling configuration's user data with the ECS metadata service (its
// identity document PKCS#7-signed with the region's test certificate), its own loopback address as private
// IP (127.0.0.10, .11, …: what DescribeInstances reports), its zone from the vSwitch it went into, spot or
// pay-as-you-go as the group's spot strategy chose. Its disks are block files under the `virtio-…` by-id
// name while attached (AttachDisk accepted → there; DetachDisk or a release → gone after the injected
// `detachingMs`). Releasing an instance (scale-in, a completed lifecycle action, a spot reclaim, a deleted
// group) shuts its workload down.
import { FakeAliyunAccount, type FakeEcsInstance, fakeCms, fakeEcs, fakeEss } from "@cirrus/cloud/emulators";
import { type CloudLeftovers, EmulatedCloudOnRegion, type EmulatedCloudOptions } from "./emulated-cloud.ts";

export interface EmulatedAliyunCloudOptions extends EmulatedCloudOptions {
  /** PEM certificate of `signingKey`: together they stand in for Alibaba's instance-identity signer. */
  readonly signingCertificate: string;
}

export class EmulatedAliyunCloud extends EmulatedCloudOnRegion<FakeAliyunAccount> {
  constructor(options: EmulatedAliyunCloudOptions) {
    super("aliyun", new FakeAliyunAccount(), options, options.signingCertificate);
    this.account.events.on("instance-launched", (instance: FakeEcsInstance) =>
      this.region.launch({
        instanceId: instance.id,
        zone: instance.zone,
        privateIp: instance.ip,
        lifecycle: instance.spotStrategy === "NoSpot" ? "on-demand" : "spot",
        userDataBase64: instance.userData,
      }),
    );
    this.account.events.on("instance-released", (instance) => this.region.shutDown(instance.id));
    this.account.events.on("disk-attached", (diskId, instanceId) =>
      this.region.attach(diskId, instanceId, this.account.disks.get(diskId)?.size ?? 1),
    );
    this.account.events.on("disk-detaching", (diskId, instanceId, until) =>
      this.region.detachAt(diskId, instanceId, until),
    );
  }

  /** CloudMonitor's `Instance:PreemptibleInstanceInterruption` event (what the provider polls); 5 minutes on ECS. */
  protected markSpotInterrupted(instanceId: string): void {
    this.account.interruptSpot(instanceId);
  }

  /** ECS releases it: its disks detach with the injected delay, its scaling group replaces it. */
  protected end(instanceId: string): void {
    this.account.release(instanceId);
  }

  /** ESS (OpenAPI caller), ECS and CloudMonitor over this region, as an AliyunProvider takes them. */
  clients() {
    return { ess: fakeEss(this.account), ecs: fakeEcs(this.account), cms: fakeCms(this.account) };
  }

  liveMachine(instanceId: string): { zone: string; privateIp: string } | undefined {
    const instance = this.account.instances.get(instanceId);
    return instance ? { zone: instance.zone, privateIp: instance.ip } : undefined;
  }

  /** The members of the (one) scaling group. */
  groupMembers(): { id: string; state: string; zone: string }[] {
    return [...([...this.account.groups.values()][0]?.members.values() ?? [])];
  }

  describe(): Record<string, unknown> {
    return {
      instances: [...this.account.instances.values()].map((i) => [i.id, i.zone, i.spotStrategy]),
      disks: [...this.account.disks.values()].map((d) => [d.id, d.zone, d.attachedTo, d.detachingUntil]),
    };
  }

  attachedElsewhere(diskId: string, instanceId: string): string | undefined {
    const attach = this.account.requests.find(
      (r) =>
        r.api === "ecs" &&
        r.action === "AttachDisk" &&
        r.args.diskId === diskId &&
        r.args.instanceId !== instanceId,
    );
    return attach ? String(attach.args.instanceId) : undefined;
  }

  volumeHolders(): (string | undefined)[] {
    return [...this.account.disks.values()].map((d) =>
      d.detachingUntil === undefined ? d.attachedTo[0] : undefined,
    );
  }

  groupDeleteServed(): boolean {
    return this.account.requests.some((r) => r.api === "ess" && r.action === "DeleteScalingGroup");
  }

  /** ESS holds the instance it removes here while the cirrus-terminate hook waits. */
  readonly hookWaitState = "Removing:Wait";

  /** Completed by the token of the lifecycle action ESS opened for the instance. */
  lifecycleActionContinued(instanceId: string): boolean {
    const action = this.account.lifecycleActions.find((a) => a.instanceIds.includes(instanceId));
    return this.account.requests.some(
      (r) =>
        r.api === "ess" &&
        r.action === "CompleteLifecycleAction" &&
        action !== undefined &&
        r.args.LifecycleActionToken === action.token &&
        r.args.LifecycleActionResult === "CONTINUE",
    );
  }

  leftovers(): CloudLeftovers {
    return {
      runningInstances: [...this.account.instances.keys()],
      volumes: [...this.account.disks.keys()],
      launchTemplates: [...this.account.configurations.keys()],
      groups: [...this.account.groups.keys()],
      workloads: this.region.workloads(),
    };
  }
}
