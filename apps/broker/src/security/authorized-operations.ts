// KIP-430's authorized operations: the operations a client may perform on one topic, group or the cluster, as
// the bit field Metadata, DescribeCluster and DescribeGroups answer (bit i set: the operation with wire code i
// is allowed). Kafka's AuthHelper.authorizedOperations: each operation Kafka supports on the resource type
// (AclEntry.supportedOperations) is asked of the authorizer on the LITERAL resource; without an authorizer
// every supported operation is in the field.
import type { AclOperation, AclResourceType } from "@cirrus/broker-api";
import type { AclAuthorizer, RequestIdentity } from "./acl-authorizer.ts";
import { aclOperationCode } from "./acl-codes.ts";

/** The schemas' default: the client did not ask for the field. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/** Kafka's AclEntry.supportedOperations: the operations an ACL may grant on each resource type. */
const SUPPORTED: Record<AclResourceType, readonly AclOperation[]> = {
  TOPIC: ["READ", "WRITE", "CREATE", "DESCRIBE", "DELETE", "ALTER", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"],
  GROUP: ["READ", "DESCRIBE", "DELETE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"],
  CLUSTER: [
    "CREATE",
    "CLUSTER_ACTION",
    "DESCRIBE_CONFIGS",
    "ALTER_CONFIGS",
    "IDEMPOTENT_WRITE",
    "ALTER",
    "DESCRIBE",
  ],
  TRANSACTIONAL_ID: ["DESCRIBE", "WRITE"],
  DELEGATION_TOKEN: ["DESCRIBE"],
  USER: ["CREATE_TOKENS", "DESCRIBE_TOKENS"],
};

/**
 * The bit field of the operations `who` may perform on resource `name` of `type`; `authorizer` undefined: the
 * broker authorizes nothing, every supported operation is allowed.
 */
export function authorizedOperations(
  authorizer: AclAuthorizer | undefined,
  who: RequestIdentity,
  type: AclResourceType,
  name: string,
): number {
  let field = 0;
  for (const operation of SUPPORTED[type]) {
    if (authorizer === undefined || authorizer.authorize(who, operation, type, name))
      field |= 1 << aclOperationCode(operation);
  }
  return field;
}
