// Kafka's wire codes of ACL enums (org.apache.kafka.common.acl.AclOperation, AclPermissionType,
// resource.ResourceType, resource.PatternType) to and from the names the control plane stores.
import type { AclBinding, AclBindingFilter, AclOperation, ScramMechanism } from "@cirrus/broker-api";

const RESOURCE_TYPES = [
  "UNKNOWN",
  "ANY",
  "TOPIC",
  "GROUP",
  "CLUSTER",
  "TRANSACTIONAL_ID",
  "DELEGATION_TOKEN",
  "USER",
];
const PATTERN_TYPES = ["UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"];
const OPERATIONS = [
  "UNKNOWN",
  "ANY",
  "ALL",
  "READ",
  "WRITE",
  "CREATE",
  "DELETE",
  "ALTER",
  "DESCRIBE",
  "CLUSTER_ACTION",
  "DESCRIBE_CONFIGS",
  "ALTER_CONFIGS",
  "IDEMPOTENT_WRITE",
  "CREATE_TOKENS",
  "DESCRIBE_TOKENS",
];
const PERMISSIONS = ["UNKNOWN", "ANY", "DENY", "ALLOW"];
const MECHANISMS = ["UNKNOWN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

const nameOf = (table: readonly string[], code: number) => table[code] ?? "UNKNOWN";
const codeOf = (table: readonly string[], name: string) => table.indexOf(name);

/** An operation's wire code (Kafka's AclOperation.code: READ 3 … DESCRIBE_TOKENS 14). */
export function aclOperationCode(operation: AclOperation): number {
  return codeOf(OPERATIONS, operation);
}

/** The wire fields of a binding (CreateAcls creation; DescribeAcls / DeleteAcls answers). */
export interface WireAcl {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

export interface WireAclFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** A creation as a binding, or why it is not one (Kafka: INVALID_REQUEST). */
export function bindingOfWire(acl: WireAcl): AclBinding | string {
  const resourceType = nameOf(RESOURCE_TYPES, acl.resourceType);
  const patternType = nameOf(PATTERN_TYPES, acl.patternType);
  const operation = nameOf(OPERATIONS, acl.operation);
  const permission = nameOf(PERMISSIONS, acl.permissionType);
  if (resourceType === "UNKNOWN" || resourceType === "ANY")
    return `invalid resource type ${acl.resourceType}`;
  if (patternType !== "LITERAL" && patternType !== "PREFIXED")
    return `invalid pattern type ${acl.patternType}`;
  if (operation === "UNKNOWN" || operation === "ANY") return `invalid operation ${acl.operation}`;
  if (permission !== "ALLOW" && permission !== "DENY") return `invalid permission type ${acl.permissionType}`;
  if (acl.resourceName.length === 0) return "the resource name must not be empty";
  if (acl.principal.length === 0) return "the principal must not be empty";
  if (acl.host.length === 0) return "the host must not be empty";
  return {
    resourceType: resourceType as AclBinding["resourceType"],
    resourceName: acl.resourceName,
    patternType,
    principal: acl.principal,
    host: acl.host,
    operation: operation as AclBinding["operation"],
    permission,
  };
}

export function wireOfBinding(acl: AclBinding): WireAcl {
  return {
    resourceType: codeOf(RESOURCE_TYPES, acl.resourceType),
    resourceName: acl.resourceName,
    patternType: codeOf(PATTERN_TYPES, acl.patternType),
    principal: acl.principal,
    host: acl.host,
    operation: codeOf(OPERATIONS, acl.operation),
    permissionType: codeOf(PERMISSIONS, acl.permission),
  };
}

/** A DescribeAcls / DeleteAcls filter, or why it is not one (UNKNOWN anywhere: Kafka's INVALID_REQUEST). */
export function filterOfWire(filter: WireAclFilter): AclBindingFilter | string {
  const resourceType = nameOf(RESOURCE_TYPES, filter.resourceTypeFilter);
  const patternType = nameOf(PATTERN_TYPES, filter.patternTypeFilter);
  const operation = nameOf(OPERATIONS, filter.operation);
  const permission = nameOf(PERMISSIONS, filter.permissionType);
  if (resourceType === "UNKNOWN") return `invalid resource type filter ${filter.resourceTypeFilter}`;
  if (patternType === "UNKNOWN") return `invalid pattern type filter ${filter.patternTypeFilter}`;
  if (operation === "UNKNOWN") return `invalid operation ${filter.operation}`;
  if (permission === "UNKNOWN") return `invalid permission type ${filter.permissionType}`;
  return {
    resourceType: resourceType as AclBindingFilter["resourceType"],
    resourceName: filter.resourceNameFilter,
    patternType: patternType as AclBindingFilter["patternType"],
    principal: filter.principalFilter,
    host: filter.hostFilter,
    operation: operation as AclBindingFilter["operation"],
    permission: permission as AclBindingFilter["permission"],
  };
}

/** SCRAM mechanism by its wire code (1, 2), or null for UNKNOWN / anything else. */
export function scramMechanismOf(code: number): ScramMechanism | null {
  const name = MECHANISMS[code];
  return name === "SCRAM-SHA-256" || name === "SCRAM-SHA-512" ? name : null;
}

export function scramMechanismCode(mechanism: ScramMechanism): number {
  return codeOf(MECHANISMS, mechanism);
}
