export * from "./acl-rules.ts";
export * from "./caller-identity-request.ts";
export {
  ControlPlaneClient,
  type ControlPlaneClientOptions,
  toStreamStorageError,
  type WatchAssignmentsOptions,
} from "./control-plane-client.ts";
export { BrokerApiError, BrokerApiErrorCode, isBrokerApiErrorCode } from "./errors.ts";
export type { CallOptions, TransportOptions } from "./http-transport.ts";
export { INTERNAL_PREFIX, InternalRoutes, internalPath } from "./routes.ts";
export * from "./schemas/brokers.ts";
export * from "./schemas/common.ts";
export * from "./schemas/metadata.ts";
export * from "./schemas/objects.ts";
export * from "./schemas/reassignments.ts";
export * from "./schemas/security.ts";
export * from "./topic-config-changes.ts";
export * from "./topic-rules.ts";
