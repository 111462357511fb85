// DescribeAcls (29), CreateAcls (30), DeleteAcls (31): the cluster's ACL bindings, kept by the control plane
// (services.securityAdmin) for every broker. Kafka's rules: SECURITY_DISABLED on a broker without authorizer;
// CLUSTER DESCRIBE to describe, CLUSTER ALTER to create or delete (CLUSTER_AUTHORIZATION_FAILED); an invalid
// binding or filter is INVALID_REQUEST with the reason; creating an existing binding succeeds.
import type { AclBinding } from "@cirrus/broker-api";
import { aclFilterMatches } from "@cirrus/broker-api";
import {
  type ApiKey,
  type CreateAclsRequest,
  type DeleteAclsRequest,
  type DescribeAclsRequest,
  ErrorCode,
} from "@cirrus/kafka-protocol";
import { bindingOfWire, filterOfWire, wireOfBinding } from "../security/acl-codes.ts";
import { authorizerEnabled, isClusterAllowed } from "../security/request-authorization.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

const SECURITY_DISABLED_MESSAGE = "No Authorizer is configured on the broker";

export async function handleDescribeAcls(
  request: DescribeAclsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeAcls>> {
  const { services } = context;
  const fail = (errorCode: number, errorMessage: string) => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    resources: [],
  });
  if (!authorizerEnabled(services) || !services.securityAdmin)
    return fail(ErrorCode.SECURITY_DISABLED, SECURITY_DISABLED_MESSAGE);
  if (!isClusterAllowed(context, "DESCRIBE"))
    return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
  const filter = filterOfWire(request);
  if (typeof filter === "string") return fail(ErrorCode.INVALID_REQUEST, filter);
  const { acls } = await services.securityAdmin.security();
  const byResource = new Map<
    string,
    {
      resourceType: number;
      resourceName: string;
      patternType: number;
      acls: ReturnType<typeof wireOfBinding>[];
    }
  >();
  for (const acl of acls) {
    if (!aclFilterMatches(filter, acl)) continue;
    const wire = wireOfBinding(acl);
    const key = `${wire.resourceType}\u0000${wire.patternType}\u0000${wire.resourceName}`;
    let resource = byResource.get(key);
    if (!resource) {
      resource = {
        resourceType: wire.resourceType,
        resourceName: wire.resourceName,
        patternType: wire.patternType,
        acls: [],
      };
      byResource.set(key, resource);
    }
    resource.acls.push(wire);
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    resources: [...byResource.values()].map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      patternType: r.patternType,
      acls: r.acls.map((a) => ({
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permissionType: a.permissionType,
      })),
    })),
  };
}

export async function handleCreateAcls(
  request: CreateAclsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.CreateAcls>> {
  const { services } = context;
  const all = (errorCode: number, errorMessage: string) => ({
    throttleTimeMs: 0,
    results: request.creations.map(() => ({ errorCode, errorMessage })),
  });
  if (!authorizerEnabled(services) || !services.securityAdmin)
    return all(ErrorCode.SECURITY_DISABLED, SECURITY_DISABLED_MESSAGE);
  if (!isClusterAllowed(context, "ALTER"))
    return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
  const parsed = request.creations.map((c) => bindingOfWire({ ...c, patternType: c.resourcePatternType }));
  const valid = parsed.filter((p): p is AclBinding => typeof p !== "string");
  const stored = valid.length > 0 ? (await services.securityAdmin.createAcls({ acls: valid })).results : [];
  if (valid.length > 0) await services.security!.refreshAfterChange();
  let next = 0;
  return {
    throttleTimeMs: 0,
    results: parsed.map((p) => {
      const error = typeof p === "string" ? p : (stored[next++]?.error ?? null);
      return error === null
        ? { errorCode: ErrorCode.NONE, errorMessage: null }
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error };
    }),
  };
}

export async function handleDeleteAcls(
  request: DeleteAclsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DeleteAcls>> {
  const { services } = context;
  const all = (errorCode: number, errorMessage: string) => ({
    throttleTimeMs: 0,
    filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
  });
  if (!authorizerEnabled(services) || !services.securityAdmin)
    return all(ErrorCode.SECURITY_DISABLED, SECURITY_DISABLED_MESSAGE);
  if (!isClusterAllowed(context, "ALTER"))
    return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
  const parsed = request.filters.map(filterOfWire);
  const valid = parsed.filter((p) => typeof p !== "string");
  const deleted =
    valid.length > 0 ? (await services.securityAdmin.deleteAcls({ filters: valid })).results : [];
  if (valid.length > 0) await services.security!.refreshAfterChange();
  let next = 0;
  return {
    throttleTimeMs: 0,
    filterResults: parsed.map((p) => {
      if (typeof p === "string")
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p, matchingAcls: [] };
      const result = deleted[next++];
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        matchingAcls: (result?.deleted ?? []).map((acl) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          ...wireOfBinding(acl),
        })),
      };
    }),
  };
}

export const describeAclsError = (_: DescribeAclsRequest, errorCode: number) => ({
  throttleTimeMs: 0,
  errorCode,
  errorMessage: null,
  resources: [],
});
export const createAclsError = (request: CreateAclsRequest, errorCode: number) => ({
  throttleTimeMs: 0,
  results: request.creations.map(() => ({ errorCode, errorMessage: null })),
});
export const deleteAclsError = (request: DeleteAclsRequest, errorCode: number) => ({
  throttleTimeMs: 0,
  filterResults: request.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })),
});
