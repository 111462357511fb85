// Kafka's rules for ACL bindings, shared by the control plane (which stores and deletes them) and brokers
// (which answer DescribeAcls and authorize with them): what a valid binding is (AclControlManager.validateNewAcl)
// and which bindings a filter matches (AclBindingFilter.matches / ResourcePatternFilter.matches).
import type { AclBinding, AclBindingFilter } from "./schemas/security.ts";

/** Kafka's wildcard: as a LITERAL resource name, every resource of the type; as a principal `User:*`, every user. */
export const WILDCARD = "*";
/** The one name of the CLUSTER resource. */
export const CLUSTER_RESOURCE_NAME = "kafka-cluster";

/** Why a binding cannot be stored (Kafka answers INVALID_REQUEST with this message), or null when it can. */
export function invalidAclReason(acl: AclBinding): string | null {
  if (acl.resourceName.length === 0) return "the resource name must not be empty";
  if (acl.resourceType === "CLUSTER" && acl.resourceName !== CLUSTER_RESOURCE_NAME)
    return `the only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  const colon = acl.principal.indexOf(":");
  if (colon <= 0 || colon === acl.principal.length - 1)
    return `principal ${JSON.stringify(acl.principal)} is not of the form <type>:<name>`;
  if (acl.principal.slice(0, colon) !== "User")
    return `principal type ${acl.principal.slice(0, colon)} is not supported (only User)`;
  if (acl.host.length === 0) return "the host must not be empty (use * for every host)";
  return null;
}

/** Whether a filter's resource pattern selects this binding's resource pattern. */
function resourceMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.resourceType !== "ANY" && filter.resourceType !== acl.resourceType) return false;
  if (
    filter.patternType !== "ANY" &&
    filter.patternType !== "MATCH" &&
    filter.patternType !== acl.patternType
  )
    return false;
  const name = filter.resourceName;
  if (name === null) return true;
  if (filter.patternType === "ANY" || filter.patternType === acl.patternType)
    return name === acl.resourceName;
  // MATCH: the bindings that apply to the resource `name`.
  if (acl.patternType === "LITERAL") return name === acl.resourceName || acl.resourceName === WILDCARD;
  return name.startsWith(acl.resourceName);
}

/** Kafka's AclBindingFilter.matches. */
export function aclFilterMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (!resourceMatches(filter, acl)) return false;
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.operation !== "ANY" && filter.operation !== acl.operation) return false;
  return filter.permission === "ANY" || filter.permission === acl.permission;
}

/** The identity of a binding: two bindings with the same key are the same ACL (stored once). */
export function aclKey(acl: AclBinding): string {
  return JSON.stringify([
    acl.resourceType,
    acl.resourceName,
    acl.patternType,
    acl.principal,
    acl.host,
    acl.operation,
    acl.permission,
  ]);
}
