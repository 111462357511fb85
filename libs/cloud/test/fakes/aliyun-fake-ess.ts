import type * as $OpenApi from "@alicloud/openapi-client";
import type { OpenApiCaller } from "../../src/aliyun/ess-rpc.ts";
import { onDemandTarget } from "../../src/fleet-spec.ts";
import { essDefinitions, undefinedParameters } from "../definitions/aliyun-ess-definitions.ts";
import {
  aliyunError,
  aliyunId,
  type FakeAliyunAccount,
  type FakeEssGroup,
  throttlingError,
} from "./aliyun-fake-state.ts";

type Query = Record<string, string>;

/** Reads `Key.1`, `Key.2`… back into a list (the RPC numbering of repeated fields). */
function list(q: Query, key: string): string[] {
  const out: string[] = [];
  for (let i = 1; q[`${key}.${i}`] !== undefined; i++) out.push(q[`${key}.${i}`]!);
  return out;
}

function int(q: Query, key: string): number | undefined {
  if (q[key] === undefined) return undefined;
  const n = Number(q[key]);
  if (!Number.isInteger(n)) throw aliyunError("InvalidParameter", `${key} must be an integer`);
  return n;
}

/** `Tag.N.Key` / `Tag.N.Value` pairs of a request (value undefined when only the key was given). */
function tagsOf(q: Query): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (let i = 1; q[`Tag.${i}.Key`] !== undefined; i++) out.push([q[`Tag.${i}.Key`]!, q[`Tag.${i}.Value`]]);
  return out;
}

/** What a ClientToken stands for: every parameter of the request but the token itself. */
function requestKey(q: Query): string {
  return JSON.stringify(
    Object.entries(q)
      .filter(([k]) => k !== "ClientToken")
      .sort(),
  );
}

const SPOT_STRATEGIES = new Set(["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"]);
const MULTI_AZ = new Set(["PRIORITY", "BALANCE", "COST_OPTIMIZED", "COMPOSABLE"]);

/**
 * A stateful ESS (2014-08-28) stand-in at the OpenAPI `callApi` boundary. It checks the call itself (RPC
 * style, version, region) and each action's documented rules: MinSize <= DesiredCapacity <= MaxSize,
 * on-demand base/share only with COST_OPTIMIZED, spot strategies, hook timeouts 30..21600 s, removal
 * not below MinSize, lifecycle action tokens, the lowerCamelCase parameters of
 * RecordLifecycleActionHeartbeat. Every parameter must be one that Alibaba's official request class for
 * that action lists (`test/definitions/aliyun-ess-definitions.ts`), or the call is refused as a real
 * endpoint would. Groups launch into the ECS fake when enabled.
 */
export function fakeEss(account: FakeAliyunAccount): OpenApiCaller {
  const groupById = (id: string | undefined): FakeEssGroup => {
    const g = [...account.groups.values()].find((x) => x.id === id);
    if (!g)
      throw aliyunError(
        "InvalidScalingGroupId.NotFound",
        `The specified scaling group "${id}" does not exist.`,
        404,
      );
    return g;
  };
  const checkSizes = (min: number, max: number, desired: number) => {
    if (min > max)
      throw aliyunError("InvalidParameter.Conflict", "The MaxSize should not be smaller than MinSize.");
    if (desired < min || desired > max)
      throw aliyunError(
        "InvalidParameter.Conflict",
        `The DesiredCapacity ${desired} must be between MinSize ${min} and MaxSize ${max}.`,
      );
  };
  const release = (g: FakeEssGroup, id: string) => {
    g.members.delete(id);
    account.release(id);
  };
  const converge = (g: FakeEssGroup) => {
    if (g.state !== "Active") return;
    const config = account.configurations.get(g.configId ?? "")!;
    const active = () => [...g.members.values()].filter((m) => m.state !== "Removing:Wait");
    while (active().length < g.desired) {
      const current = active();
      const onDemand = current.filter((m) => account.instances.get(m.id)?.spotStrategy === "NoSpot").length;
      const spot = onDemand >= onDemandTarget(current.length + 1, g.onDemandBase, g.onDemandPct);
      const zone = [...g.zones].sort(
        (a, b) => current.filter((m) => m.zone === a).length - current.filter((m) => m.zone === b).length,
      )[0]!;
      const instance = account.launch(
        zone,
        config.instanceTypes[0]!,
        spot ? config.spotStrategy : "NoSpot",
        config.userData,
      );
      g.members.set(instance.id, {
        id: instance.id,
        zone,
        state: "InService",
        launchedAt: Date.now() + g.members.size,
      });
    }
    const excess = active().length - g.desired;
    if (excess > 0) {
      const victims = active()
        .filter((m) => m.state !== "Protected")
        .sort((a, b) => b.launchedAt - a.launchedAt)
        .slice(0, excess);
      remove(
        g,
        victims.map((v) => v.id),
      );
    }
  };
  const remove = (g: FakeEssGroup, ids: string[]) => {
    const hook = [...g.hooks.entries()].find(([, h]) => h.transition === "SCALE_IN");
    const activityId = aliyunId("asa");
    if (!hook) {
      for (const id of ids) release(g, id);
      account.activities.set(activityId, { groupId: g.id, status: "Successful" });
      return activityId;
    }
    account.activities.set(activityId, { groupId: g.id, status: "InProgress" });
    for (const id of ids) g.members.get(id)!.state = "Removing:Wait";
    account.lifecycleActions.push({
      token: account.token(),
      hookId: hook[0],
      activityId,
      instanceIds: ids,
      status: "Pending",
    });
    return activityId;
  };
  const noActivityRunning = (g: FakeEssGroup) => {
    for (const [id, a] of account.activities)
      if (a.groupId === g.id && a.status === "InProgress")
        throw aliyunError(
          "ScalingActivityInProgress",
          `The scaling group is executing scaling activity ${id}; try again when it ends.`,
          403,
        );
  };
  const pendingAction = (hookId: string | undefined, token: string | undefined) => {
    if (!hookId || !token)
      throw aliyunError("MissingParameter", "LifecycleHookId and LifecycleActionToken are required");
    const action = account.lifecycleActions.find(
      (a) => a.hookId === hookId && a.token === token && a.status === "Pending",
    );
    if (!action)
      throw aliyunError("LifecycleAction.NotFound", "The specified lifecycle action does not exist.", 404);
    return action;
  };

  // An instance ECS released on its own (a spot reclaim, a release outside the group) fails the group's
  // health check: ESS drops it and launches a replacement.
  account.events.on("instance-released", (instance) => {
    for (const g of account.groups.values()) {
      const m = g.members.get(instance.id);
      if (!m || m.state === "Removing:Wait") continue;
      g.members.delete(m.id);
      converge(g);
    }
  });

  const actions: Record<string, (q: Query) => Record<string, unknown>> = {
    CreateScalingGroup(q) {
      const name = q.ScalingGroupName ?? "";
      const seen = q.ClientToken
        ? account.clientTokens.get(`CreateScalingGroup/${q.ClientToken}`)
        : undefined;
      if (seen) return { ScalingGroupId: seen.id };
      if (!/^[a-zA-Z0-9\u4e00-\u9fa5][\w.-]{1,63}$/.test(name))
        throw aliyunError("InvalidParameter", "ScalingGroupName is malformed");
      if ([...account.groups.values()].some((g) => g.name === name))
        throw aliyunError(
          "ScalingGroupName.Duplicate",
          `Specified scaling group name "${name}" already exists.`,
        );
      const min = int(q, "MinSize");
      const max = int(q, "MaxSize");
      if (min === undefined || max === undefined)
        throw aliyunError("MissingParameter", "MinSize and MaxSize are required");
      const desired = int(q, "DesiredCapacity") ?? min;
      checkSizes(min, max, desired);
      const vsw = list(q, "VSwitchIds");
      if (vsw.length === 0 || vsw.some((v) => !account.vSwitches.has(v)))
        throw aliyunError("InvalidVSwitchId.NotFound", "The specified virtual switch does not exist.");
      const policy = q.MultiAZPolicy ?? "PRIORITY";
      if (!MULTI_AZ.has(policy))
        throw aliyunError("InvalidParameter", `MultiAZPolicy ${policy} is not valid`);
      const base = int(q, "OnDemandBaseCapacity");
      const pct = int(q, "OnDemandPercentageAboveBaseCapacity");
      if ((base !== undefined || pct !== undefined) && policy !== "COST_OPTIMIZED")
        throw aliyunError("InvalidParameter", "OnDemand* take effect only with MultiAZPolicy COST_OPTIMIZED");
      if (pct !== undefined && (pct < 0 || pct > 100))
        throw aliyunError("InvalidParameter", "OnDemandPercentageAboveBaseCapacity must be 0..100");
      const id = aliyunId("asg");
      account.groups.set(id, {
        id,
        name,
        state: "Inactive",
        min,
        max,
        desired,
        zones: vsw.map((v) => account.vSwitches.get(v)!),
        onDemandBase: base ?? 0,
        onDemandPct: pct ?? 100,
        configId: undefined,
        tags: Object.fromEntries(tagsOf(q).map(([k, v]) => [k, v ?? ""])),
        hooks: new Map(),
        members: new Map(),
      });
      if (q.ClientToken)
        account.clientTokens.set(`CreateScalingGroup/${q.ClientToken}`, { id, key: requestKey(q) });
      return { ScalingGroupId: id };
    },
    DescribeScalingGroups(q) {
      const size = int(q, "PageSize") ?? 10;
      const page = int(q, "PageNumber") ?? 1;
      if (size < 1 || size > 50) throw aliyunError("InvalidParameter", "PageSize must be 1..50");
      const all = [...account.groups.values()].filter(
        (g) => !q.ScalingGroupName || g.name === q.ScalingGroupName,
      );
      const groups = all.slice((page - 1) * size, page * size);
      return {
        TotalCount: all.length,
        ScalingGroups: {
          ScalingGroup: groups.map((g) => ({
            ScalingGroupId: g.id,
            ScalingGroupName: g.name,
            LifecycleState: g.state,
            MinSize: g.min,
            MaxSize: g.max,
            DesiredCapacity: g.desired,
            ActiveScalingConfigurationId: g.configId,
            TotalCapacity: g.members.size,
          })),
        },
      };
    },
    ListTagResources(q) {
      if (q.ResourceType !== "scalinggroup")
        throw aliyunError("InvalidParameter", "ResourceType must be scalinggroup");
      const wanted = tagsOf(q);
      const found = [...account.groups.values()].filter((g) =>
        wanted.every(([k, v]) => k in g.tags && (v === undefined || g.tags[k] === v)),
      );
      return {
        TagResources: {
          TagResource: found.flatMap((g) =>
            Object.entries(g.tags).map(([TagKey, TagValue]) => ({
              ResourceId: g.id,
              ResourceType: "scalinggroup",
              TagKey,
              TagValue,
            })),
          ),
        },
      };
    },
    CreateScalingConfiguration(q) {
      const seen = q.ClientToken
        ? account.clientTokens.get(`CreateScalingConfiguration/${q.ClientToken}`)
        : undefined;
      if (seen) return { ScalingConfigurationId: seen.id };
      const g = groupById(q.ScalingGroupId);
      if (!q.ImageId) throw aliyunError("MissingParameter", "ImageId is required");
      if (!q.SecurityGroupId) throw aliyunError("MissingParameter", "SecurityGroupId is required");
      const types = list(q, "InstanceTypes");
      if (types.length < 1 || types.length > 10)
        throw aliyunError("InvalidParameter", "InstanceTypes must list 1..10 types");
      const spot = q.SpotStrategy ?? "NoSpot";
      if (!SPOT_STRATEGIES.has(spot))
        throw aliyunError("InvalidParameter", `SpotStrategy ${spot} is not valid`);
      if (
        q.UserData !== undefined &&
        (Buffer.from(q.UserData, "base64").toString("base64") !== q.UserData || q.UserData.length > 32768)
      ) {
        throw aliyunError("InvalidUserData.Base64FormatInvalid", "UserData must be base64, at most 32 KB");
      }
      const id = aliyunId("asc");
      account.configurations.set(id, {
        id,
        groupId: g.id,
        instanceTypes: types,
        spotStrategy: spot,
        userData: q.UserData,
      });
      if (q.ClientToken)
        account.clientTokens.set(`CreateScalingConfiguration/${q.ClientToken}`, { id, key: requestKey(q) });
      return { ScalingConfigurationId: id };
    },
    DescribeScalingConfigurations(q) {
      const configs = [...account.configurations.values()].filter((c) => c.groupId === q.ScalingGroupId);
      return {
        ScalingConfigurations: {
          ScalingConfiguration: configs.map((c) => ({
            ScalingConfigurationId: c.id,
            InstanceTypes: { InstanceType: c.instanceTypes },
          })),
        },
      };
    },
    ModifyScalingConfiguration(q) {
      const c = account.configurations.get(q.ScalingConfigurationId ?? "");
      if (!c)
        throw aliyunError(
          "InvalidScalingConfigurationId.NotFound",
          "The specified scaling configuration does not exist.",
          404,
        );
      const types = list(q, "InstanceTypes");
      if (types.length) c.instanceTypes = types;
      if (q.UserData) c.userData = q.UserData;
      return {};
    },
    CreateLifecycleHook(q) {
      const g = groupById(q.ScalingGroupId);
      if (!["SCALE_IN", "SCALE_OUT"].includes(q.LifecycleTransition ?? ""))
        throw aliyunError("InvalidParameter", "LifecycleTransition must be SCALE_IN or SCALE_OUT");
      const timeout = int(q, "HeartbeatTimeout") ?? 600;
      if (timeout < 30 || timeout > 21600)
        throw aliyunError("InvalidParameter", "HeartbeatTimeout must be 30..21600");
      const result = q.DefaultResult ?? "CONTINUE";
      if (!["CONTINUE", "ABANDON", "ROLLBACK"].includes(result))
        throw aliyunError("InvalidParameter", "DefaultResult must be CONTINUE, ABANDON or ROLLBACK");
      if (g.hooks.size >= 6)
        throw aliyunError("QuotaExceeded.LifecycleHook", "A scaling group has at most 6 lifecycle hooks");
      const id = aliyunId("ash");
      g.hooks.set(id, {
        name: q.LifecycleHookName ?? id,
        transition: q.LifecycleTransition!,
        timeout,
        defaultResult: result,
      });
      return { LifecycleHookId: id };
    },
    DescribeLifecycleHooks(q) {
      const g = groupById(q.ScalingGroupId);
      return {
        LifecycleHooks: {
          LifecycleHook: [...g.hooks.entries()].map(([id, h]) => ({
            LifecycleHookId: id,
            LifecycleHookName: h.name,
            LifecycleTransition: h.transition,
          })),
        },
      };
    },
    EnableScalingGroup(q) {
      const g = groupById(q.ScalingGroupId);
      const config = account.configurations.get(q.ActiveScalingConfigurationId ?? "");
      if (!config || config.groupId !== g.id)
        throw aliyunError(
          "InvalidScalingConfigurationId.NotFound",
          "The specified scaling configuration does not exist in this group.",
          404,
        );
      g.configId = config.id;
      g.state = "Active";
      converge(g);
      return {};
    },
    ModifyScalingGroup(q) {
      const g = groupById(q.ScalingGroupId);
      const min = int(q, "MinSize") ?? g.min;
      const max = int(q, "MaxSize") ?? g.max;
      const desired = int(q, "DesiredCapacity") ?? g.desired;
      checkSizes(min, max, desired);
      Object.assign(g, {
        min,
        max,
        desired,
        onDemandBase: int(q, "OnDemandBaseCapacity") ?? g.onDemandBase,
        onDemandPct: int(q, "OnDemandPercentageAboveBaseCapacity") ?? g.onDemandPct,
      });
      converge(g);
      return {};
    },
    ScaleWithAdjustment(q) {
      const g = groupById(q.ScalingGroupId);
      if (g.state !== "Active")
        throw aliyunError(
          "IncorrectScalingGroupStatus",
          "The current status of the specified scaling group does not support this action.",
        );
      noActivityRunning(g);
      if (q.AdjustmentType !== "TotalCapacity")
        throw aliyunError("InvalidParameter", "this fake serves AdjustmentType TotalCapacity only");
      const n = int(q, "AdjustmentValue");
      if (n === undefined) throw aliyunError("MissingParameter", "AdjustmentValue is required");
      if (n < g.min || n > g.max)
        throw aliyunError(
          "InvalidParameter",
          `AdjustmentValue ${n} is outside MinSize ${g.min} and MaxSize ${g.max}`,
        );
      g.desired = n;
      converge(g);
      return { ScalingActivityId: aliyunId("asa") };
    },
    SetInstancesProtection(q) {
      const g = groupById(q.ScalingGroupId);
      if (q.ProtectedFromScaleIn !== "true" && q.ProtectedFromScaleIn !== "false")
        throw aliyunError("MissingParameter", "ProtectedFromScaleIn is required");
      const ids = list(q, "InstanceId");
      const members = ids.map(
        (id) =>
          g.members.get(id) ??
          (() => {
            throw aliyunError("InvalidInstanceIds.NotFound", `Instance ${id} is not in the group.`, 404);
          })(),
      );
      for (const m of members)
        if (m.state !== "Removing:Wait")
          m.state = q.ProtectedFromScaleIn === "true" ? "Protected" : "InService";
      return {};
    },
    RemoveInstances(q) {
      const g = groupById(q.ScalingGroupId);
      if (g.state !== "Active")
        throw aliyunError(
          "IncorrectScalingGroupStatus",
          "The current status of the specified scaling group does not support this action.",
        );
      noActivityRunning(g);
      const ids = list(q, "InstanceId");
      if (ids.length === 0) throw aliyunError("MissingParameter", "InstanceId.N is required");
      for (const id of ids)
        if (!g.members.has(id))
          throw aliyunError("InvalidInstanceIds.NotFound", `Instance ${id} is not in the group.`, 404);
      if (g.members.size - ids.length < g.min)
        throw aliyunError("InvalidParameter", `The number of instances would fall below MinSize ${g.min}`);
      const decrease = q.DecreaseDesiredCapacity !== "false";
      if (decrease) g.desired -= ids.length;
      const activityId = remove(g, ids);
      converge(g);
      return { ScalingActivityId: activityId };
    },
    DeleteScalingGroup(q) {
      const g = groupById(q.ScalingGroupId);
      if (g.members.size > 0 && q.ForceDelete !== "true")
        throw aliyunError("IncorrectScalingGroupStatus", "The scaling group still has instances.");
      for (const id of [...g.members.keys()]) release(g, id);
      // ESS deletes the group's scaling configurations, rules and activities with it.
      for (const [id, c] of account.configurations) if (c.groupId === g.id) account.configurations.delete(id);
      account.groups.delete(g.id);
      return {};
    },
    DescribeScalingInstances(q) {
      const g = groupById(q.ScalingGroupId);
      const size = int(q, "PageSize") ?? 10;
      const page = int(q, "PageNumber") ?? 1;
      if (size < 1 || size > 100) throw aliyunError("InvalidParameter", "PageSize must be 1..100");
      const all = [...g.members.values()];
      return {
        TotalCount: all.length,
        ScalingInstances: {
          ScalingInstance: all.slice((page - 1) * size, page * size).map((m) => ({
            InstanceId: m.id,
            ZoneId: m.zone,
            LifecycleState: m.state,
            HealthStatus: "Healthy",
          })),
        },
      };
    },
    DescribeScalingActivities(q) {
      groupById(q.ScalingGroupId);
      const found = [...account.activities.entries()].filter(
        ([, a]) => a.groupId === q.ScalingGroupId && (!q.StatusCode || a.status === q.StatusCode),
      );
      return {
        ScalingActivities: {
          ScalingActivity: found.map(([id, a]) => ({ ScalingActivityId: id, StatusCode: a.status })),
        },
      };
    },
    DescribeLifecycleActions(q) {
      if (!q.ScalingActivityId || !account.activities.has(q.ScalingActivityId))
        throw aliyunError(
          "InvalidScalingActivityId.NotFound",
          "The specified scaling activity does not exist.",
          404,
        );
      const found = account.lifecycleActions.filter(
        (a) =>
          a.activityId === q.ScalingActivityId &&
          (!q.LifecycleActionStatus || a.status === q.LifecycleActionStatus),
      );
      return {
        LifecycleActions: {
          LifecycleAction: found.map((a) => ({
            LifecycleActionToken: a.token,
            LifecycleHookId: a.hookId,
            LifecycleActionStatus: a.status,
            InstanceIds: { InstanceId: a.instanceIds },
          })),
        },
      };
    },
    CompleteLifecycleAction(q) {
      const result = q.LifecycleActionResult ?? "CONTINUE";
      if (!["CONTINUE", "ABANDON", "ROLLBACK"].includes(result))
        throw aliyunError("InvalidParameter", "LifecycleActionResult must be CONTINUE, ABANDON or ROLLBACK");
      const action = pendingAction(q.LifecycleHookId, q.LifecycleActionToken);
      action.status = result === "ABANDON" ? "Abandoned" : "Continued";
      const g = groupById(account.activities.get(action.activityId)!.groupId);
      for (const id of action.instanceIds) release(g, id);
      account.activities.get(action.activityId)!.status = "Successful";
      converge(g);
      return {};
    },
    RecordLifecycleActionHeartbeat(q) {
      pendingAction(q.lifecycleHookId, q.lifecycleActionToken);
      return {};
    },
  };

  return {
    async callApi(params: $OpenApi.Params, request: $OpenApi.OpenApiRequest) {
      const query = (request.query ?? {}) as Query;
      // Refused before it is served or recorded: `requests` lists what ESS acted on.
      if (account.throttled()) throw throttlingError();
      account.requests.push({ api: "ess", action: params.action, args: query });
      if (params.style !== "RPC" || params.version !== "2014-08-28" || params.pathname !== "/") {
        throw aliyunError(
          "InvalidApi.NotFound",
          `ESS is RPC style at version 2014-08-28, got ${params.style} ${params.version}`,
          404,
        );
      }
      if (query.RegionId !== account.regionId)
        throw aliyunError("InvalidRegionId.NotFound", `Unknown region ${query.RegionId}`, 404);
      for (const [k, v] of Object.entries(query))
        if (typeof v !== "string") throw aliyunError("InvalidParameter", `${k} must be sent as a string`);
      const defs = essDefinitions();
      if (!defs.actions.has(params.action))
        throw aliyunError("InvalidAction.NotFound", `Specified api ${params.action} is not found`, 404);
      const unknown = undefinedParameters(defs, params.action, query);
      if (unknown.length > 0)
        throw aliyunError(
          "InvalidParameter",
          `${params.action} (ESS 2014-08-28) has no parameter ${unknown.join(", ")}`,
        );
      const reused = query.ClientToken
        ? account.clientTokens.get(`${params.action}/${query.ClientToken}`)
        : undefined;
      if (reused && reused.key !== requestKey(query))
        throw aliyunError(
          "IdempotentParameterMismatch",
          "The specified parameter has changed while using an already used clientToken.",
        );
      const handler = actions[params.action];
      if (!handler) throw new Error(`the ESS fake does not serve ${params.action} yet`);
      return { statusCode: 200, headers: {}, body: { RequestId: account.token(), ...handler(query) } };
    },
  };
}
