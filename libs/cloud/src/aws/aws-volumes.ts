import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  type EC2Client,
  type Volume as Ec2Volume,
  type VolumeType,
} from "@aws-sdk/client-ec2";
import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import type { Volume, VolumeSpec } from "../provider.ts";
import { fromAwsError } from "./aws-errors.ts";
import { describeEc2Instances } from "./aws-instances.ts";

/** EBS types this provider creates; Multi-Attach exists only on Provisioned IOPS (io1/io2). */
const TYPES: Record<string, { multiAttach: boolean; minGiB: number; maxGiB: number; defaultIops?: number }> =
  {
    gp3: { multiAttach: false, minGiB: 1, maxGiB: 16384 },
    io2: { multiAttach: true, minGiB: 4, maxGiB: 65536, defaultIops: 3000 },
  };

/** Device names for data volumes (/dev/sdf../dev/sdp, as the EC2 docs recommend for EBS on Linux). */
const DEVICES = "fghijklmnop".split("").map((c) => `/dev/sd${c}`);

/**
 * EBS WAL volumes. Volumes attached with AttachVolume keep DeleteOnTermination=false (the EC2 default for
 * attached volumes), so a reclaimed spot instance leaves its WAL behind for recovery.
 */
export class AwsVolumes {
  readonly #ec2: EC2Client;

  constructor(ec2: EC2Client) {
    this.#ec2 = ec2;
  }

  async create(spec: VolumeSpec): Promise<Volume> {
    const type = TYPES[spec.type];
    if (!type) throw invalidArgument(`EBS volume type must be one of ${Object.keys(TYPES).join(", ")}`);
    if (spec.multiAttach && !type.multiAttach) {
      throw new CloudError(
        CloudErrorCode.MULTI_ATTACH_UNSUPPORTED,
        `EBS ${spec.type} does not support Multi-Attach (use io2)`,
      );
    }
    if (!Number.isInteger(spec.sizeGiB) || spec.sizeGiB < type.minGiB || spec.sizeGiB > type.maxGiB) {
      throw invalidArgument(`${spec.type} size must be ${type.minGiB}..${type.maxGiB} GiB`);
    }
    if (!spec.clientToken || spec.clientToken.length > 64)
      throw invalidArgument("clientToken must be 1..64 characters");
    try {
      const out = await this.#ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: spec.zone,
          Size: spec.sizeGiB,
          VolumeType: spec.type as VolumeType,
          Iops: spec.iops ?? type.defaultIops,
          MultiAttachEnabled: spec.multiAttach || undefined,
          ClientToken: spec.clientToken,
          TagSpecifications: spec.tags
            ? [
                {
                  ResourceType: "volume",
                  Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
                },
              ]
            : undefined,
        }),
      );
      return toVolume(out);
    } catch (error) {
      throw fromAwsError(error, "CreateVolume");
    }
  }

  async list(tags: Readonly<Record<string, string>>): Promise<Volume[]> {
    const volumes: Volume[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.#ec2.send(
          new DescribeVolumesCommand({
            Filters: Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
            MaxResults: 500,
            NextToken: token,
          }),
        );
        volumes.push(...(out.Volumes ?? []).filter((v) => v.State !== "deleted").map(toVolume));
        token = out.NextToken;
      } while (token);
    } catch (error) {
      throw fromAwsError(error, "DescribeVolumes");
    }
    return volumes;
  }

  async describe(volumeId: string): Promise<Volume | undefined> {
    const raw = await this.#describeRaw(volumeId);
    return raw ? toVolume(raw) : undefined;
  }

  async attach(volumeId: string, instanceId: string): Promise<Volume> {
    const volume = await this.#require(volumeId);
    const current = toVolume(volume);
    if (current.attachedTo.includes(instanceId)) return current;
    if (volume.State === "creating")
      throw new CloudError(CloudErrorCode.CONVERGING, `volume ${volumeId} is still creating`);
    if (!volume.MultiAttachEnabled && (volume.Attachments ?? []).some((a) => a.State === "detaching"))
      throw new CloudError(CloudErrorCode.CONVERGING, `volume ${volumeId} is still detaching`);
    const instance = (await describeEc2Instances(this.#ec2, [instanceId])).get(instanceId);
    if (!instance || instance.State?.Name === "terminated") {
      throw new CloudError(CloudErrorCode.INSTANCE_NOT_FOUND, `instance ${instanceId} does not exist`);
    }
    if (instance.Placement?.AvailabilityZone !== volume.AvailabilityZone) {
      throw new CloudError(
        CloudErrorCode.ZONE_MISMATCH,
        `volume ${volumeId} is in ${volume.AvailabilityZone}, instance ${instanceId} in ${instance.Placement?.AvailabilityZone}`,
      );
    }
    if (current.attachedTo.length > 0 && !volume.MultiAttachEnabled) {
      throw new CloudError(
        CloudErrorCode.VOLUME_IN_USE,
        `volume ${volumeId} is attached to ${current.attachedTo[0]}`,
      );
    }
    const used = new Set((instance.BlockDeviceMappings ?? []).map((m) => m.DeviceName));
    const device = DEVICES.find((d) => !used.has(d));
    if (!device)
      throw new CloudError(CloudErrorCode.CONFLICT, `instance ${instanceId} has no free device name`, {
        retriable: false,
      });
    try {
      await this.#ec2.send(
        new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }),
      );
    } catch (error) {
      throw fromAwsError(error, "AttachVolume");
    }
    return toVolume(await this.#require(volumeId));
  }

  async detach(volumeId: string, instanceId: string, force: boolean): Promise<Volume> {
    const volume = await this.#require(volumeId);
    const attached = (volume.Attachments ?? []).find(
      (a) => a.InstanceId === instanceId && a.State !== "detached",
    );
    // Already detaching (a detach sent on an earlier pass): it goes on by itself.
    if (!attached || attached.State === "detaching") return toVolume(volume);
    try {
      await this.#ec2.send(
        new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Force: force || undefined }),
      );
    } catch (error) {
      throw fromAwsError(error, "DetachVolume");
    }
    return toVolume(await this.#require(volumeId));
  }

  async delete(volumeId: string): Promise<void> {
    const volume = await this.#describeRaw(volumeId);
    if (!volume || volume.State === "deleted" || volume.State === "deleting") return;
    const attachments = (volume.Attachments ?? []).filter((a) => a.State !== "detached");
    if (attachments.length > 0 && attachments.every((a) => a.State === "detaching"))
      throw new CloudError(CloudErrorCode.CONVERGING, `volume ${volumeId} is still detaching`);
    if (attachments.length > 0)
      throw new CloudError(CloudErrorCode.VOLUME_IN_USE, `volume ${volumeId} is still attached`);
    try {
      await this.#ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
    } catch (error) {
      const mapped = fromAwsError(error, "DeleteVolume");
      if (mapped.code !== CloudErrorCode.VOLUME_NOT_FOUND) throw mapped;
    }
  }

  async #describeRaw(volumeId: string): Promise<Ec2Volume | undefined> {
    try {
      const out = await this.#ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
      return out.Volumes?.[0];
    } catch (error) {
      const mapped = fromAwsError(error, "DescribeVolumes");
      if (mapped.code === CloudErrorCode.VOLUME_NOT_FOUND) return undefined;
      throw mapped;
    }
  }

  async #require(volumeId: string): Promise<Ec2Volume> {
    const volume = await this.#describeRaw(volumeId);
    if (!volume || volume.State === "deleted")
      throw new CloudError(CloudErrorCode.VOLUME_NOT_FOUND, `volume ${volumeId} does not exist`);
    return volume;
  }
}

function toVolume(v: Ec2Volume): Volume {
  const state = v.State ?? "creating";
  return {
    id: v.VolumeId ?? "",
    zone: v.AvailabilityZone ?? "",
    sizeGiB: v.Size ?? 0,
    type: v.VolumeType ?? "",
    multiAttach: v.MultiAttachEnabled ?? false,
    tags: Object.fromEntries((v.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    state,
    // A detaching attachment is on its way out: not counted (detach is not sent twice).
    attachedTo: (v.Attachments ?? [])
      .filter((a) => a.State !== "detached" && a.State !== "detaching")
      .map((a) => a.InstanceId ?? ""),
  };
}
