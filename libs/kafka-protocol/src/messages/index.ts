// Every message spec and its body types, one file per API (or per small family of APIs).

export * from "./acls.ts";
export * from "./alter-configs.ts";
export * from "./api-versions.ts";
export type {
  EncodableRequestBodies,
  EncodableResponseBodies,
  RequestBodies,
  ResponseBodies,
} from "./bodies.ts";
export * from "./client-quotas.ts";
export * from "./create-partitions.ts";
export * from "./create-topics.ts";
export * from "./delete-records.ts";
export * from "./delete-topics.ts";
export * from "./describe-cluster.ts";
export * from "./describe-configs.ts";
export * from "./describe-groups.ts";
export * from "./describe-topic-partitions.ts";
export * from "./fetch.ts";
export * from "./find-coordinator.ts";
export * from "./group-admin.ts";
export * from "./heartbeat.ts";
export * from "./init-producer-id.ts";
export * from "./join-group.ts";
export * from "./leave-group.ts";
export * from "./list-groups.ts";
export * from "./list-offsets.ts";
export * from "./log-dirs.ts";
export * from "./metadata.ts";
export * from "./offset-commit.ts";
export * from "./offset-fetch.ts";
export * from "./offset-for-leader-epoch.ts";
export * from "./partition-reassignments.ts";
export * from "./produce.ts";
export { type ApiSpec, apiSpec, apiSpecs } from "./registry.ts";
export * from "./sasl.ts";
export * from "./scram-credentials.ts";
export * from "./sync-group.ts";
export * from "./transaction-admin.ts";
export * from "./transactions.ts";
export * from "./write-txn-markers.ts";
