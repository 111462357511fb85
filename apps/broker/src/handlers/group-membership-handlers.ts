// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: route the group to its coordinator shard (or answer
// NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE so the client rediscovers it)
// and translate between the wire versions and the version-free protocol of groups/group-membership.ts.
import {
  type ApiKey,
  ErrorCode,
  type HeartbeatRequest,
  type JoinGroupRequest,
  type LeaveGroupRequest,
  type SyncGroupRequest,
} from "@cirrus/kafka-protocol";
import type { GroupShard } from "../groups/group-shard.ts";
import { groupServicesOf } from "./group-services.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

/** The shard of a group, or the error code to answer (INVALID_GROUP_ID for an empty id). */
export async function routeGroup(groupId: string, context: RequestContext): Promise<GroupShard | number> {
  if (groupId.length === 0) return ErrorCode.INVALID_GROUP_ID;
  try {
    return await groupServicesOf(context.services).coordinator.shardFor(groupId);
  } catch {
    // Metadata unavailable (control plane unreachable): retriable for the client.
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

export async function handleJoinGroup(
  request: JoinGroupRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.JoinGroup>> {
  const v = context.apiVersion;
  const failed = (errorCode: number, memberId = request.memberId) => ({
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: v >= 7 ? null : "",
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  });
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return failed(shard);
  const outcome = await shard.membership.join({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId ?? null,
    clientId: context.clientId ?? "",
    clientHost: `/${context.connection.remoteAddress}`,
    sessionTimeoutMs: request.sessionTimeoutMs,
    // v0 has no rebalance timeout: Kafka uses the session timeout.
    rebalanceTimeoutMs:
      v === 0 || request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
    protocolType: request.protocolType,
    protocols: request.protocols.map((p) => ({
      name: p.name,
      metadata: Buffer.from(p.metadata ?? Buffer.alloc(0)),
    })),
    requireKnownMemberId: v >= 4,
  });
  if (outcome.errorCode !== ErrorCode.NONE) return failed(outcome.errorCode, outcome.memberId);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    generationId: outcome.generationId,
    protocolType: outcome.protocolType,
    protocolName: outcome.protocolName ?? (v >= 7 ? null : ""),
    leader: outcome.leader,
    skipAssignment: false,
    memberId: outcome.memberId,
    members: outcome.members,
  };
}

export async function handleSyncGroup(
  request: SyncGroupRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.SyncGroup>> {
  const failed = (errorCode: number) => ({
    throttleTimeMs: 0,
    errorCode,
    protocolType: null,
    protocolName: null,
    assignment: Buffer.alloc(0),
  });
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return failed(shard);
  const outcome = await shard.membership.sync({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId ?? null,
    protocolType: request.protocolType ?? null,
    protocolName: request.protocolName ?? null,
    // Copied: the request frame is only valid until this handler settles, the group keeps them longer.
    assignments: request.assignments.map((a) => ({
      memberId: a.memberId,
      assignment: Buffer.from(a.assignment ?? Buffer.alloc(0)),
    })),
  });
  return { throttleTimeMs: 0, ...outcome };
}

export async function handleHeartbeat(
  request: HeartbeatRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.Heartbeat>> {
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return { throttleTimeMs: 0, errorCode: shard };
  const errorCode = shard.membership.heartbeat({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId ?? null,
  });
  return { throttleTimeMs: 0, errorCode };
}

export async function handleLeaveGroup(
  request: LeaveGroupRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.LeaveGroup>> {
  const v = context.apiVersion;
  const leaving =
    v >= 3
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null }))
      : [{ memberId: request.memberId, groupInstanceId: null }];
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return { throttleTimeMs: 0, errorCode: shard, members: [] };
  const codes = shard.membership.leave(request.groupId, leaving);
  if (v < 3) return { throttleTimeMs: 0, errorCode: codes[0] ?? ErrorCode.NONE, members: [] };
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    members: leaving.map((m, i) => ({ ...m, errorCode: codes[i]! })),
  };
}
