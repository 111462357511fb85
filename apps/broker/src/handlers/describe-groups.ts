// DescribeGroups v0–5 and ListGroups v0–4. A group this broker does not coordinate gets NOT_COORDINATOR
// (the admin client then asks FindCoordinator); ListGroups lists the groups of every offsets partition
// open here (admin clients ask every broker and merge).
import {
  type ApiKey,
  type DescribeGroupsRequest,
  ErrorCode,
  type ListGroupsRequest,
} from "@cirrus/kafka-protocol";
import { OPERATIONS_NOT_REQUESTED } from "../security/authorized-operations.ts";
import { authorizedOperationsOf } from "../security/request-authorization.ts";
import { routeGroup } from "./group-membership-handlers.ts";
import { groupServicesOf } from "./group-services.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

export async function handleDescribeGroups(
  request: DescribeGroupsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeGroups>> {
  const groups = await Promise.all(
    request.groups.map(async (groupId) => {
      const shard = await routeGroup(groupId, context);
      if (typeof shard === "number") {
        return {
          errorCode: shard,
          groupId,
          groupState: "",
          protocolType: "",
          protocolData: "",
          members: [],
          authorizedOperations: OPERATIONS_NOT_REQUESTED,
        };
      }
      const described = shard.describe(groupId);
      // KIP-430 (v3+; older versions decode the flag false): only for a group answered without error.
      const authorizedOperations =
        request.includeAuthorizedOperations && described.errorCode === ErrorCode.NONE
          ? authorizedOperationsOf(context, "GROUP", groupId)
          : OPERATIONS_NOT_REQUESTED;
      return { ...described, authorizedOperations };
    }),
  );
  return { throttleTimeMs: 0, groups };
}

export async function handleListGroups(
  request: ListGroupsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.ListGroups>> {
  const coordinator = groupServicesOf(context.services).coordinator;
  await coordinator.refreshShards().catch(() => {});
  const states = new Set((request.statesFilter ?? []).map((s) => s.toLowerCase()));
  const groups = coordinator
    .servingShards()
    .flatMap((shard) => shard.list())
    .filter((g) => states.size === 0 || states.has(g.groupState.toLowerCase()));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
}
