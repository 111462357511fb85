// The ACL binding the authorizer tests start from (alice may READ the topics `orders-*`), changed per case.
import type { AclBinding } from "@cirrus/broker-api";

export const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: "TOPIC",
  resourceName: "orders-",
  patternType: "PREFIXED",
  principal: "User:alice",
  host: "*",
  operation: "READ",
  permission: "ALLOW",
  ...over,
});

export const alice = { principal: "User:alice", host: "10.0.0.1" };
