import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import {
  AttachVolumeCommand,
  CreateLaunchTemplateCommand,
  type CreateLaunchTemplateCommandInput,
  CreateLaunchTemplateVersionCommand,
  CreateVolumeCommand,
  type CreateVolumeCommandInput,
  DeleteLaunchTemplateCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { awsError, type FakeAwsAccount, type FakeVolume, fakeId } from "./aws-fake-state.ts";
import { gateOnServiceModel } from "./aws-model-gate.ts";

type Input = Record<string, unknown>;

const SIZE_LIMITS: Record<string, [number, number]> = {
  gp2: [1, 16384],
  gp3: [1, 16384],
  io1: [4, 16384],
  io2: [4, 65536],
  st1: [125, 16384],
  sc1: [125, 16384],
};
const DEVICE = /^\/dev\/(sd[f-p]|xvd[f-p])$/;
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;

/**
 * A stateful EC2 stand-in (launch templates, instances, spot requests, EBS volumes) behind a real
 * EC2Client. Rules checked: image id and user data of templates, volume types and sizes, Multi-Attach
 * only on io1/io2, Iops required for io2, client-token idempotency, same-zone attach, device names,
 * in-use volumes not deletable.
 */
export function fakeEc2(account: FakeAwsAccount): EC2Client {
  const client = new EC2Client({
    region: "us-east-1",
    credentials: { accessKeyId: "fake", secretAccessKey: "fake" },
  });
  const mock = mockClient(client);
  gateOnServiceModel(client, "InvalidParameterValue", {
    throttled: () => account.throttled(),
    errorName: "RequestLimitExceeded",
  });
  const log = (command: string, input: object) => account.requests.push({ command, input: input as Input });
  /** Moves a volume along its injected timeline: creating → available, detaching → detached. */
  const settle = (v: FakeVolume) => {
    const now = Date.now();
    if (v.state === "creating" && now >= v.createdAt + account.timing.volumeCreatingMs) v.state = "available";
    for (const a of v.attachments.filter((x) => x.detachingUntil !== undefined && x.detachingUntil <= now)) {
      account.instances.get(a.instanceId)?.devices.delete(a.device);
      v.attachments = v.attachments.filter((x) => x !== a);
    }
    if (v.state === "in-use" && v.attachments.length === 0) v.state = "available";
  };
  /** A fresh id is not yet visible for `newIdNotFoundMs` (EC2's eventual consistency). */
  const visible = (v: FakeVolume) => Date.now() >= v.createdAt + account.timing.newIdNotFoundMs;
  const volume = (id: unknown): FakeVolume => {
    const v = account.volumes.get(String(id));
    if (!v || v.state === "deleted" || !visible(v))
      throw awsError("InvalidVolume.NotFound", `The volume '${String(id)}' does not exist.`);
    settle(v);
    return v;
  };
  const describeVolume = (v: FakeVolume) => ({
    VolumeId: v.id,
    Tags: Object.entries(v.tags).map(([Key, Value]) => ({ Key, Value })),
    AvailabilityZone: v.zone,
    Size: v.size,
    VolumeType: v.type,
    Iops: v.iops,
    MultiAttachEnabled: v.multiAttach,
    State: v.state,
    Attachments: v.attachments.map((a) => ({
      VolumeId: v.id,
      InstanceId: a.instanceId,
      Device: a.device,
      State: a.detachingUntil === undefined ? "attached" : "detaching",
      DeleteOnTermination: false,
    })),
  });

  mock.on(CreateLaunchTemplateCommand).callsFake((input: CreateLaunchTemplateCommandInput) => {
    log("CreateLaunchTemplate", input);
    const name = input.LaunchTemplateName ?? "";
    if (!/^[a-zA-Z0-9().\-/_]{3,128}$/.test(name))
      throw awsError("InvalidLaunchTemplateName.MalformedException", `bad launch template name ${name}`);
    const key = JSON.stringify([input.LaunchTemplateData, input.TagSpecifications]);
    const existing = account.launchTemplates.get(name);
    if (input.ClientToken) {
      const seen = [...account.launchTemplates.entries()].find(([, t]) => t.token === input.ClientToken);
      if (seen && (seen[0] !== name || seen[1].key !== key))
        throw awsError(
          "IdempotentParameterMismatch",
          "The client token was already used with different parameters",
        );
    }
    if (existing) {
      if (input.ClientToken && existing.token === input.ClientToken)
        return { LaunchTemplate: { LaunchTemplateId: existing.id, LaunchTemplateName: name } };
      throw awsError(
        "InvalidLaunchTemplateName.AlreadyExistsException",
        `Launch template name already in use.`,
      );
    }
    const data = input.LaunchTemplateData;
    if (!data || !/^(ami-[0-9a-f]{8,17}|resolve:ssm:\/.+)$/.test(data.ImageId ?? ""))
      throw awsError("InvalidAMIID.Malformed", `Invalid id: "${data?.ImageId}"`);
    if (data.UserData !== undefined) {
      const decoded = Buffer.from(data.UserData, "base64");
      if (decoded.toString("base64") !== data.UserData || decoded.length > 16384)
        throw awsError("InvalidUserData.Malformed", "User data must be base64 and at most 16 KB");
    }
    const id = fakeId("lt");
    account.launchTemplates.set(name, { id, token: input.ClientToken, key, versions: [data as Input] });
    return { LaunchTemplate: { LaunchTemplateId: id, LaunchTemplateName: name, LatestVersionNumber: 1 } };
  });

  mock.on(CreateLaunchTemplateVersionCommand).callsFake((input: Input) => {
    log("CreateLaunchTemplateVersion", input);
    const lt = account.launchTemplates.get(String(input.LaunchTemplateName));
    if (!lt)
      throw awsError(
        "InvalidLaunchTemplateName.NotFoundException",
        "The specified launch template does not exist.",
      );
    lt.versions.push({ ...lt.versions.at(-1), ...(input.LaunchTemplateData as Input) });
    return { LaunchTemplateVersion: { VersionNumber: lt.versions.length } };
  });

  mock.on(DeleteLaunchTemplateCommand).callsFake((input: Input) => {
    log("DeleteLaunchTemplate", input);
    if (!account.launchTemplates.delete(String(input.LaunchTemplateName)))
      throw awsError(
        "InvalidLaunchTemplateName.NotFoundException",
        "The specified launch template does not exist.",
      );
    return {};
  });

  mock.on(DescribeInstancesCommand).callsFake((input: Input) => {
    log("DescribeInstances", input);
    const ids = (input.InstanceIds as string[] | undefined) ?? [...account.instances.keys()];
    const missing = ids.filter((id) => !account.instances.has(id));
    if (missing.length)
      throw awsError("InvalidInstanceID.NotFound", `The instance IDs '${missing.join(", ")}' do not exist`);
    return {
      Reservations: [
        {
          Instances: ids.map((id) => {
            const i = account.instances.get(id)!;
            return {
              InstanceId: i.id,
              InstanceType: i.type,
              Placement: { AvailabilityZone: i.zone },
              State: { Name: i.state },
              PrivateIpAddress: i.privateIp,
              InstanceLifecycle: i.spotRequestId ? "spot" : undefined,
              SpotInstanceRequestId: i.spotRequestId,
              BlockDeviceMappings: [
                { DeviceName: "/dev/xvda" },
                ...[...i.devices.keys()].map((DeviceName) => ({ DeviceName })),
              ],
            };
          }),
        },
      ],
    };
  });

  mock.on(DescribeSpotInstanceRequestsCommand).callsFake((input: Input) => {
    log("DescribeSpotInstanceRequests", input);
    const ids = input.SpotInstanceRequestIds as string[];
    return {
      SpotInstanceRequests: ids.map((id) => {
        const r = account.spotRequests.get(id);
        if (!r)
          throw awsError(
            "InvalidSpotInstanceRequestID.NotFound",
            `The spot instance request ID '${id}' does not exist`,
          );
        return {
          SpotInstanceRequestId: id,
          InstanceId: r.instanceId,
          Status: { Code: r.code, UpdateTime: r.updateTime },
        };
      }),
    };
  });

  mock.on(CreateVolumeCommand).callsFake((input: CreateVolumeCommandInput) => {
    log("CreateVolume", input);
    const key = JSON.stringify([
      input.AvailabilityZone,
      input.Size,
      input.VolumeType,
      input.Iops,
      input.MultiAttachEnabled,
    ]);
    if (input.ClientToken) {
      const seen = account.volumeTokens.get(input.ClientToken);
      if (seen && seen.key !== key)
        throw awsError(
          "IdempotentParameterMismatch",
          "The client token was already used with different parameters",
        );
      if (seen) return describeVolume(account.volumes.get(seen.volumeId)!);
    }
    if (!account.zones.includes(input.AvailabilityZone as (typeof account.zones)[number]))
      throw awsError("InvalidZone.NotFound", `The zone '${input.AvailabilityZone}' does not exist.`);
    const type = input.VolumeType ?? "gp2";
    const limits = SIZE_LIMITS[type];
    if (!limits) throw awsError("InvalidParameterValue", `Invalid volume type ${type}`);
    if (!input.Size || input.Size < limits[0] || input.Size > limits[1])
      throw awsError("InvalidParameterValue", `Volume size ${input.Size} out of range for ${type}`);
    if ((type === "io1" || type === "io2") && !input.Iops)
      throw awsError("MissingParameter", "The request must contain the parameter iops");
    if (input.MultiAttachEnabled && type !== "io1" && type !== "io2")
      throw awsError(
        "InvalidParameterCombination",
        `The parameter MultiAttachEnabled is not supported for ${type} volumes.`,
      );
    const v: FakeVolume = {
      id: fakeId("vol"),
      zone: input.AvailabilityZone!,
      size: input.Size,
      type,
      iops: input.Iops,
      multiAttach: input.MultiAttachEnabled ?? false,
      tags: Object.fromEntries(
        (input.TagSpecifications ?? []).flatMap((s) => s.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]),
      ),
      state: account.timing.volumeCreatingMs > 0 ? "creating" : "available",
      createdAt: Date.now(),
      attachments: [],
    };
    account.volumes.set(v.id, v);
    if (input.ClientToken) account.volumeTokens.set(input.ClientToken, { volumeId: v.id, key });
    return describeVolume(v);
  });

  mock.on(DescribeVolumesCommand).callsFake((input: Input) => {
    log("DescribeVolumes", input);
    if (input.VolumeIds)
      return { Volumes: (input.VolumeIds as string[]).map((id) => describeVolume(volume(id))) };
    const filters = (input.Filters as { Name: string; Values: string[] }[] | undefined) ?? [];
    const matches = (v: FakeVolume) =>
      filters.every((f) => {
        if (!f.Name.startsWith("tag:"))
          throw awsError("InvalidParameterValue", `unsupported filter ${f.Name}`);
        return f.Values.includes(v.tags[f.Name.slice(4)] ?? "\u0000");
      });
    return {
      Volumes: [...account.volumes.values()]
        .filter((v) => v.state !== "deleted" && visible(v) && matches(v))
        .map((v) => {
          settle(v);
          return describeVolume(v);
        }),
    };
  });

  mock.on(AttachVolumeCommand).callsFake((input: Input) => {
    log("AttachVolume", input);
    const v = volume(input.VolumeId);
    const i = account.instances.get(String(input.InstanceId));
    if (!i)
      throw awsError(
        "InvalidInstanceID.NotFound",
        `The instance ID '${String(input.InstanceId)}' does not exist`,
      );
    if (i.state !== "running")
      throw awsError("IncorrectInstanceState", `Instance '${i.id}' is not 'running'.`);
    if (i.zone !== v.zone)
      throw awsError(
        "InvalidVolume.ZoneMismatch",
        `The volume '${v.id}' is not in the same availability zone as instance '${i.id}'`,
      );
    if (v.state === "creating")
      throw awsError("IncorrectState", `The volume '${v.id}' is not 'available'; it is 'creating'.`);
    if (v.attachments.length > 0 && !v.multiAttach)
      throw awsError("VolumeInUse", `vol ${v.id} is already attached to an instance`);
    if (v.attachments.length >= 16)
      throw awsError(
        "AttachmentLimitExceeded",
        "A Multi-Attach volume can be attached to at most 16 instances",
      );
    if (v.attachments.some((a) => a.instanceId === i.id))
      throw awsError("VolumeInUse", `vol ${v.id} is already attached to ${i.id}`);
    const device = String(input.Device ?? "");
    if (!DEVICE.test(device))
      throw awsError("InvalidParameterValue", `Value (${device}) for parameter device is invalid.`);
    if (i.devices.has(device))
      throw awsError("InvalidParameterValue", `Attachment point ${device} is already in use`);
    i.devices.set(device, v.id);
    v.attachments.push({ instanceId: i.id, device });
    v.state = "in-use";
    account.events.emit("volume-attached", v.id, i.id);
    return { VolumeId: v.id, InstanceId: i.id, Device: device, State: "attaching" };
  });

  mock.on(DetachVolumeCommand).callsFake((input: Input) => {
    log("DetachVolume", input);
    const v = volume(input.VolumeId);
    const a = v.attachments.find((x) => !input.InstanceId || x.instanceId === input.InstanceId);
    if (!a) throw awsError("IncorrectState", `Volume '${v.id}' is in the 'available' state.`);
    if (a.detachingUntil !== undefined)
      throw awsError("IncorrectState", `Volume '${v.id}' is in the 'detaching' state.`);
    if (v.multiAttach && v.attachments.length > 1 && !input.InstanceId)
      throw awsError("InvalidParameterCombination", "InstanceId is required to detach a Multi-Attach volume");
    a.detachingUntil = Date.now() + account.timing.detachingMs;
    account.events.emit("volume-detaching", v.id, a.instanceId, a.detachingUntil);
    settle(v);
    return { VolumeId: v.id, InstanceId: a.instanceId, State: "detaching" };
  });

  mock.on(DeleteVolumeCommand).callsFake((input: Input) => {
    log("DeleteVolume", input);
    const v = volume(input.VolumeId);
    if (v.state === "in-use") throw awsError("VolumeInUse", `Volume ${v.id} is currently attached`);
    v.state = "deleted";
    return {};
  });

  return client;
}

/** CloudWatch GetMetricData over the account's traffic table: one Sum datapoint per minute of the window. */
export function fakeCloudWatch(account: FakeAwsAccount): CloudWatchClient {
  const client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "fake", secretAccessKey: "fake" },
  });
  mockClient(client)
    .on(GetMetricDataCommand)
    .callsFake((input: GetMetricDataCommandInput) => {
      account.requests.push({ command: "GetMetricData", input: input as object as Input });
      const queries = input.MetricDataQueries ?? [];
      if (queries.length === 0 || queries.length > 500)
        throw awsError("InvalidParameterValue", "1..500 MetricDataQueries are required");
      if (!input.StartTime || !input.EndTime || input.StartTime >= input.EndTime)
        throw awsError("InvalidParameterValue", "StartTime must be before EndTime");
      const start = input.StartTime.getTime();
      const end = input.EndTime.getTime();
      const ids = new Set<string>();
      const results = queries.map((q) => {
        if (!q.Id || !METRIC_ID.test(q.Id) || ids.has(q.Id))
          throw awsError("InvalidParameterValue", `bad or duplicate query id ${q.Id}`);
        ids.add(q.Id);
        const stat = q.MetricStat;
        const metric = stat?.Metric;
        if (
          !stat ||
          !metric ||
          metric.Namespace !== "AWS/EC2" ||
          !["NetworkIn", "NetworkOut"].includes(metric.MetricName ?? "")
        )
          throw awsError("InvalidParameterValue", "unexpected metric");
        if (!stat.Period || stat.Period % 60 !== 0)
          throw awsError("InvalidParameterValue", "Period must be a multiple of 60");
        if (stat.Stat !== "Sum") throw awsError("InvalidParameterValue", "this fake serves Sum only");
        const instanceId = metric.Dimensions?.find((d) => d.Name === "InstanceId")?.Value ?? "";
        const traffic = account.traffic.get(instanceId);
        const Timestamps: Date[] = [];
        const Values: number[] = [];
        if (traffic) {
          for (let t = start; t + stat.Period * 1000 <= end; t += stat.Period * 1000) {
            Timestamps.push(new Date(t));
            Values.push((metric.MetricName === "NetworkIn" ? traffic.in : traffic.out) * stat.Period);
          }
        }
        return { Id: q.Id, Timestamps, Values, StatusCode: "Complete" };
      });
      return { MetricDataResults: results };
    });
  gateOnServiceModel(client, "InvalidParameterValue", {
    throttled: () => account.throttled(),
    errorName: "Throttling",
  });
  return client;
}
