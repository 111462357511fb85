// What a handler asks before acting: may the client of this request perform this operation on this resource?
// Always yes when the broker runs without an authorizer (config.authorizerEnabled false), as Kafka without
// authorizer.class.name. With one, the decision is the AclAuthorizer's on the cluster's last ACL snapshot.
import type { AclOperation, AclResourceType } from "@cirrus/broker-api";
import type { BrokerServices, RequestContext } from "../handlers/handler.ts";
import { principalOf } from "../handlers/sasl-handlers.ts";
import { CLUSTER_RESOURCE_NAME, hostOf, type RequestIdentity } from "./acl-authorizer.ts";
import { authorizedOperations } from "./authorized-operations.ts";

/** True when requests are checked against ACLs on this broker. */
export function authorizerEnabled(services: BrokerServices): boolean {
  return services.config.authorizerEnabled && services.security !== undefined;
}

export function identityOf(context: RequestContext): RequestIdentity {
  return { principal: principalOf(context.connection), host: hostOf(context.connection.remoteAddress) };
}

/** Kafka's authorize(...) for one action of this request. */
export function isAllowed(
  context: RequestContext,
  operation: AclOperation,
  type: AclResourceType,
  name: string,
): boolean {
  const { services } = context;
  if (!authorizerEnabled(services)) return true;
  return services.security!.authorizer.authorize(identityOf(context), operation, type, name);
}

export function isClusterAllowed(context: RequestContext, operation: AclOperation): boolean {
  return isAllowed(context, operation, "CLUSTER", CLUSTER_RESOURCE_NAME);
}

/** Kafka's authorizeByResourceType: the operation on at least one resource of the type. */
export function isAllowedOnAny(
  context: RequestContext,
  operation: AclOperation,
  type: AclResourceType,
): boolean {
  const { services } = context;
  if (!authorizerEnabled(services)) return true;
  return services.security!.authorizer.authorizeAny(identityOf(context), operation, type);
}

/** KIP-430's bit field of what this request's client may do to the resource (authorized-operations.ts). */
export function authorizedOperationsOf(context: RequestContext, type: AclResourceType, name: string): number {
  const { services } = context;
  const authorizer = authorizerEnabled(services) ? services.security!.authorizer : undefined;
  return authorizedOperations(authorizer, identityOf(context), type, name);
}

/**
 * The cluster's bit field as Metadata v8–10 and DescribeCluster answer it: 0 to a client that may not DESCRIBE
 * the cluster (Kafka's KafkaApis / AuthHelper.computeDescribeClusterResponse).
 */
export function clusterAuthorizedOperationsOf(context: RequestContext): number {
  return isClusterAllowed(context, "DESCRIBE")
    ? authorizedOperationsOf(context, "CLUSTER", CLUSTER_RESOURCE_NAME)
    : 0;
}
