import * as $Ecs from "@alicloud/ecs20140526";
import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import type { Volume, VolumeSpec } from "../provider.ts";
import type { EcsApi, EcsDisk, EcsInstance } from "./aliyun-clients.ts";
import { fromAliyunError } from "./aliyun-errors.ts";

/** Disk categories this provider creates; multi-attach (MultiAttach=Enabled) exists only on ESSD. */
const CATEGORIES: Record<string, { multiAttach: boolean; minGiB: number; maxGiB: number }> = {
  cloud_essd: { multiAttach: true, minGiB: 1, maxGiB: 65536 },
  cloud_auto: { multiAttach: false, minGiB: 1, maxGiB: 65536 },
};

/** ESSD performance level by size: PL1 needs at least 20 GiB, smaller disks are PL0. */
function performanceLevel(sizeGiB: number): string {
  return sizeGiB >= 20 ? "PL1" : "PL0";
}

/** ECS data disks for the WAL, attached with DeleteWithInstance=false so a released instance leaves them. */
export class AliyunVolumes {
  readonly #ecs: EcsApi;
  readonly #regionId: string;

  constructor(ecs: EcsApi, regionId: string) {
    this.#ecs = ecs;
    this.#regionId = regionId;
  }

  async create(spec: VolumeSpec): Promise<Volume> {
    const category = CATEGORIES[spec.type];
    if (!category)
      throw invalidArgument(`disk category must be one of ${Object.keys(CATEGORIES).join(", ")}`);
    if (spec.multiAttach && !category.multiAttach) {
      throw new CloudError(
        CloudErrorCode.MULTI_ATTACH_UNSUPPORTED,
        `${spec.type} disks cannot be multi-attached (use cloud_essd)`,
      );
    }
    if (!Number.isInteger(spec.sizeGiB) || spec.sizeGiB < category.minGiB || spec.sizeGiB > category.maxGiB) {
      throw invalidArgument(`${spec.type} size must be ${category.minGiB}..${category.maxGiB} GiB`);
    }
    if (!spec.clientToken || spec.clientToken.length > 64)
      throw invalidArgument("clientToken must be 1..64 characters");
    try {
      const out = await this.#ecs.createDisk(
        new $Ecs.CreateDiskRequest({
          regionId: this.#regionId,
          zoneId: spec.zone,
          diskCategory: spec.type,
          size: spec.sizeGiB,
          performanceLevel: spec.type === "cloud_essd" ? performanceLevel(spec.sizeGiB) : undefined,
          multiAttach: spec.multiAttach ? "Enabled" : "Disabled",
          clientToken: spec.clientToken,
          tag: Object.entries(spec.tags ?? {}).map(
            ([key, value]) => new $Ecs.CreateDiskRequestTag({ key, value }),
          ),
        }),
      );
      const id = out.body?.diskId;
      if (!id)
        throw new CloudError(CloudErrorCode.PROVIDER_ERROR, "CreateDisk returned no DiskId", {
          retriable: true,
        });
      return (
        (await this.describe(id)) ?? {
          id,
          zone: spec.zone,
          sizeGiB: spec.sizeGiB,
          type: spec.type,
          multiAttach: spec.multiAttach,
          tags: { ...spec.tags },
          state: "creating",
          attachedTo: [],
        }
      );
    } catch (error) {
      throw fromAliyunError(error, "ECS CreateDisk");
    }
  }

  async list(tags: Readonly<Record<string, string>>): Promise<Volume[]> {
    const volumes: Volume[] = [];
    const pageSize = 100;
    for (let pageNumber = 1; ; pageNumber++) {
      let page: EcsDisk[];
      try {
        const out = await this.#ecs.describeDisks(
          new $Ecs.DescribeDisksRequest({
            regionId: this.#regionId,
            tag: Object.entries(tags).map(([key, value]) => new $Ecs.DescribeDisksRequestTag({ key, value })),
            pageSize,
            pageNumber,
          }),
        );
        page = out.body?.disks?.disk ?? [];
      } catch (error) {
        throw fromAliyunError(error, "ECS DescribeDisks");
      }
      // The tag filter is applied again here so that a filter the API ignored never lists foreign disks.
      volumes.push(
        ...page.map(toVolume).filter((v) => Object.entries(tags).every(([k, value]) => v.tags[k] === value)),
      );
      if (page.length < pageSize) return volumes;
    }
  }

  async describe(diskId: string): Promise<Volume | undefined> {
    const disk = await this.#describeRaw(diskId);
    return disk ? toVolume(disk) : undefined;
  }

  async attach(diskId: string, instanceId: string): Promise<Volume> {
    const disk = await this.#require(diskId);
    const current = toVolume(disk);
    if (current.attachedTo.includes(instanceId)) return current;
    if (disk.status === "Creating" || disk.status === "Detaching" || disk.status === "Attaching")
      throw new CloudError(CloudErrorCode.CONVERGING, `disk ${diskId} is ${disk.status}`);
    const instance = await this.#instance(instanceId);
    if (instance.zoneId !== disk.zoneId) {
      throw new CloudError(
        CloudErrorCode.ZONE_MISMATCH,
        `disk ${diskId} is in ${disk.zoneId}, instance ${instanceId} in ${instance.zoneId}`,
      );
    }
    if (current.attachedTo.length > 0 && disk.multiAttach !== "Enabled") {
      throw new CloudError(
        CloudErrorCode.VOLUME_IN_USE,
        `disk ${diskId} is attached to ${current.attachedTo[0]}`,
      );
    }
    try {
      await this.#ecs.attachDisk(
        new $Ecs.AttachDiskRequest({ instanceId, diskId, deleteWithInstance: false }),
      );
    } catch (error) {
      throw fromAliyunError(error, "ECS AttachDisk", CloudErrorCode.VOLUME_NOT_FOUND);
    }
    return toVolume(await this.#require(diskId));
  }

  /**
   * ECS has no forced detach: DetachDisk works on a stopped instance, and a released instance frees its
   * disks by itself (DeleteWithInstance=false). So `force` tolerates a vanished instance.
   */
  async detach(diskId: string, instanceId: string, force: boolean): Promise<Volume> {
    const disk = await this.#require(diskId);
    // Detaching: a DetachDisk sent earlier is still running (about a minute); it goes on by itself.
    if (!toVolume(disk).attachedTo.includes(instanceId)) return toVolume(disk);
    try {
      await this.#ecs.detachDisk(
        new $Ecs.DetachDiskRequest({ instanceId, diskId, deleteWithInstance: false }),
      );
    } catch (error) {
      const mapped = fromAliyunError(error, "ECS DetachDisk", CloudErrorCode.INSTANCE_NOT_FOUND);
      if (!(force && mapped.code === CloudErrorCode.INSTANCE_NOT_FOUND)) throw mapped;
    }
    return toVolume(await this.#require(diskId));
  }

  async delete(diskId: string): Promise<void> {
    const disk = await this.#describeRaw(diskId);
    if (!disk) return;
    if (disk.status === "Detaching" || disk.status === "Creating")
      throw new CloudError(CloudErrorCode.CONVERGING, `disk ${diskId} is ${disk.status}`);
    if (toVolume(disk).attachedTo.length > 0)
      throw new CloudError(CloudErrorCode.VOLUME_IN_USE, `disk ${diskId} is still attached`);
    try {
      await this.#ecs.deleteDisk(new $Ecs.DeleteDiskRequest({ diskId }));
    } catch (error) {
      const mapped = fromAliyunError(error, "ECS DeleteDisk", CloudErrorCode.VOLUME_NOT_FOUND);
      if (mapped.code !== CloudErrorCode.VOLUME_NOT_FOUND) throw mapped;
    }
  }

  async #describeRaw(diskId: string): Promise<EcsDisk | undefined> {
    try {
      const out = await this.#ecs.describeDisks(
        new $Ecs.DescribeDisksRequest({ regionId: this.#regionId, diskIds: JSON.stringify([diskId]) }),
      );
      return out.body?.disks?.disk?.find((d) => d.diskId === diskId);
    } catch (error) {
      throw fromAliyunError(error, "ECS DescribeDisks");
    }
  }

  async #require(diskId: string): Promise<EcsDisk> {
    const disk = await this.#describeRaw(diskId);
    if (!disk) throw new CloudError(CloudErrorCode.VOLUME_NOT_FOUND, `disk ${diskId} does not exist`);
    return disk;
  }

  async #instance(instanceId: string): Promise<EcsInstance> {
    const found = (await describeEcsInstances(this.#ecs, this.#regionId, [instanceId])).get(instanceId);
    if (!found)
      throw new CloudError(CloudErrorCode.INSTANCE_NOT_FOUND, `instance ${instanceId} does not exist`);
    return found;
  }
}

/** ECS DescribeInstances by id, 100 ids per call (its page limit). */
export async function describeEcsInstances(
  ecs: EcsApi,
  regionId: string,
  ids: readonly string[],
): Promise<Map<string, EcsInstance>> {
  const byId = new Map<string, EcsInstance>();
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    try {
      const out = await ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify(chunk), pageSize: 100 }),
      );
      for (const inst of out.body?.instances?.instance ?? [])
        if (inst.instanceId) byId.set(inst.instanceId, inst);
    } catch (error) {
      throw fromAliyunError(error, "ECS DescribeInstances");
    }
  }
  return byId;
}

function toVolume(d: EcsDisk): Volume {
  // A Detaching disk (single-attach: the WAL disks) is on its way off its instance: not counted.
  const attachedTo =
    d.status === "Detaching" && d.multiAttach !== "Enabled"
      ? []
      : (d.attachments?.attachment?.map((a) => a.instanceId ?? "").filter(Boolean) ??
        (d.instanceId ? [d.instanceId] : []));
  const state = (
    {
      Available: "available",
      In_use: "in-use",
      Attaching: "in-use",
      Detaching: "in-use",
      Creating: "creating",
    } as const
  )[d.status as "Available"];
  return {
    id: d.diskId ?? "",
    zone: d.zoneId ?? "",
    sizeGiB: d.size ?? 0,
    type: d.category ?? "",
    multiAttach: d.multiAttach === "Enabled",
    tags: Object.fromEntries((d.tags?.tag ?? []).map((t) => [t.tagKey ?? "", t.tagValue ?? ""])),
    state: state ?? "error",
    attachedTo,
  };
}
