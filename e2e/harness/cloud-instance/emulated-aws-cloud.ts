// An emulated AWS region that runs real brokers: the stateful Auto Scaling / EC2 / CloudWatch fakes of
// `@cirrus/cloud/emulators` (every request checked against the SDK's own service models) decide what exists;
// this class makes it run on this machine. Each instance the fake Auto Scaling group launches is booted by
// EmulatedInstance from its launch template's user data (the real boot script → a real broker), with its own
// loopback address as private IP (127.0.0.10, .11, …), its zone from the subnet it was launched into, spot or
// on-demand as the group's distribution chose, and a metadata-service emulator signing its identity with the
// region key given here. Its EBS volumes are block files that appear in the instance's by-id folder when
// AttachVolume is accepted and leave it when the detach completes (the fakes' injected `detachingMs`).
// Terminating an instance in the fake (scale-in, a completed lifecycle action, a spot reclaim, a deleted
// group) shuts its workload down: SIGTERM, then SIGKILL after `shutdownGraceMs`, as EC2's shutdown does.
// The machine side is EmulatedRegion's, shared with the Alibaba region; the steps both clouds take alike are
// EmulatedCloudOnRegion's (emulated-cloud.ts).
import { FakeAwsAccount, type FakeEc2Instance, fakeAwsClients } from "@cirrus/cloud/emulators";
import { type CloudLeftovers, EmulatedCloudOnRegion, type EmulatedCloudOptions } from "./emulated-cloud.ts";

export type EmulatedAwsCloudOptions = EmulatedCloudOptions;

export class EmulatedAwsCloud extends EmulatedCloudOnRegion<FakeAwsAccount> {
  constructor(options: EmulatedAwsCloudOptions) {
    super("aws", new FakeAwsAccount(), options);
    // Subnet ids shaped as AWS's (the cluster spec's validation checks them), one per zone.
    this.account.subnets.clear();
    for (const [i, zone] of this.account.zones.entries())
      this.account.subnets.set(`subnet-0e${i}a1b2c3d4e5f607`, zone);
    this.account.events.on("instance-launched", (instance: FakeEc2Instance) =>
      this.region.launch({
        instanceId: instance.id,
        zone: instance.zone,
        privateIp: instance.privateIp,
        lifecycle: instance.spotRequestId ? "spot" : "on-demand",
        userDataBase64: instance.userData,
      }),
    );
    this.account.events.on("instance-terminated", (instance) => this.region.shutDown(instance.id));
    this.account.events.on("volume-attached", (volumeId, instanceId) =>
      this.region.attach(volumeId, instanceId, this.account.volumes.get(volumeId)?.size ?? 1),
    );
    this.account.events.on("volume-detaching", (volumeId, instanceId, until) =>
      this.region.detachAt(volumeId, instanceId, until),
    );
  }

  /** EC2 marks the spot request for termination (what the provider's poll reads). */
  protected markSpotInterrupted(instanceId: string): void {
    this.account.markSpotForTermination(instanceId);
  }

  /** EC2 terminates it: its volumes detach with the injected delay, its Auto Scaling group replaces it. */
  protected end(instanceId: string): void {
    this.account.terminateInstance(instanceId);
  }

  /** The three SDK clients an AwsProvider takes, over this region (real clients, requests model-checked). */
  clients(): ReturnType<typeof fakeAwsClients> {
    return fakeAwsClients(this.account);
  }

  liveMachine(instanceId: string): { zone: string; privateIp: string } | undefined {
    const instance = this.account.instances.get(instanceId);
    return instance?.state === "running" ? instance : undefined;
  }

  /** The members of the (one) Auto Scaling group. */
  groupMembers(): { id: string; state: string; zone: string }[] {
    return [...([...this.account.groups.values()][0]?.members.values() ?? [])];
  }

  describe(): Record<string, unknown> {
    return {
      instances: [...this.account.instances.values()].map((i) => [i.id, i.state]),
      volumes: [...this.account.volumes.values()].map((v) => [v.id, v.state, v.attachments]),
    };
  }

  attachedElsewhere(volumeId: string, instanceId: string): string | undefined {
    const attach = this.account.requests.find(
      (r) =>
        r.command === "AttachVolume" && r.input.VolumeId === volumeId && r.input.InstanceId !== instanceId,
    );
    return attach ? String(attach.input.InstanceId) : undefined;
  }

  volumeHolders(): (string | undefined)[] {
    return [...this.account.volumes.values()]
      .filter((v) => v.state !== "deleted")
      .map((v) => v.attachments[0]?.instanceId);
  }

  groupDeleteServed(): boolean {
    return this.account.requests.some((r) => r.command === "DeleteAutoScalingGroup");
  }

  /** Auto Scaling parks the instance it terminates here while the cirrus-terminate hook waits. */
  readonly hookWaitState = "Terminating:Wait";

  lifecycleActionContinued(instanceId: string): boolean {
    return this.account.requests.some(
      (r) =>
        r.command === "CompleteLifecycleAction" &&
        r.input.InstanceId === instanceId &&
        r.input.LifecycleActionResult === "CONTINUE",
    );
  }

  leftovers(): CloudLeftovers {
    const running = [...this.account.instances.values()].filter((i) => i.state !== "terminated");
    return {
      runningInstances: running.map((i) => i.id),
      volumes: [...this.account.volumes.values()].filter((v) => v.state !== "deleted").map((v) => v.id),
      launchTemplates: [...this.account.launchTemplates.keys()],
      groups: [...this.account.groups.keys()],
      workloads: this.region.workloads(),
    };
  }
}
