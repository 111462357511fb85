import { type Static, Type } from "@sinclair/typebox";
import { AliyunCloudSettings, AwsCloudSettings } from "./cloud-settings.ts";
import { Millis } from "./common.ts";

const Name = Type.String({ minLength: 1, maxLength: 63, pattern: "^[a-z][a-z0-9-]*$" });

export const BalancingSpec = Type.Object(
  {
    /** Balance on its own (short interval, and right after brokers join or leave). */
    auto: Type.Optional(Type.Boolean()),
    /** Network in and out of each broker within ± this percent of its share of the mean. */
    bandPercent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
    /** No broker above this percent of its network capacity. */
    capacityPercent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
    /** A moved partition stays where it went at least this long. */
    cooldownSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    /** Each broker's sustained network capacity each way, bytes/s (default: the control plane's). */
    brokerNetworkBytesPerSec: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * A broker below this load (bytes/s, each way) is not moved from or to for network balance alone
     * (default: the control plane's, 1 MiB/s).
     */
    usageThresholdBytesPerSec: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type BalancingSpec = Static<typeof BalancingSpec>;

export const ClusterSpec = Type.Object(
  {
    provider: Type.Union([Type.Literal("local"), Type.Literal("aws"), Type.Literal("aliyun")]),
    region: Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9-]+$" }),
    zones: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9-]+$" }), {
      minItems: 1,
      maxItems: 6,
      uniqueItems: true,
    }),
    instanceTypes: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9.-]+$" }), {
      minItems: 1,
      maxItems: 10,
    }),
    spot: Type.Object(
      {
        /** Fraction of brokers above the on-demand base that run on spot instances. */
        share: Type.Number({ minimum: 0, maximum: 1 }),
        /** Brokers always on on-demand instances. */
        onDemandBase: Type.Integer({ minimum: 0, maximum: 1000 }),
      },
      { additionalProperties: false },
    ),
    brokers: Type.Object(
      { min: Type.Integer({ minimum: 1, maximum: 1000 }), max: Type.Integer({ minimum: 1, maximum: 1000 }) },
      { additionalProperties: false },
    ),
    scaling: Type.Object(
      {
        /**
         * Scale out when average network in+out per broker stays above this, bytes/s. Exactly one of this and
         * highWatermarkPercent.
         */
        highWatermarkBytesPerSec: Type.Optional(Type.Integer({ minimum: 1 })),
        /** Scale in when it stays below this, bytes/s. Exactly one of this and lowWatermarkPercent. */
        lowWatermarkBytesPerSec: Type.Optional(Type.Integer({ minimum: 0 })),
        /**
         * The high watermark as a percent of each broker's network capacity (the balancer's: balancing.
         * brokerNetworkBytesPerSec, else the instance types' baseline bandwidth, else the control plane's),
         * against in + out: 100 is one direction's full capacity.
         */
        highWatermarkPercent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 200 })),
        /** The low watermark as a percent of each broker's network capacity, like highWatermarkPercent. */
        lowWatermarkPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 200 })),
        /** Wait after a scale-out before the next one (and the default wait after a scale-in). */
        cooldownSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
        /** Wait after any scaling before a scale-in (default: cooldownSeconds). */
        scaleInCooldownSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
        /** Length of one metric period (default: 10 s on local, 60 s on the clouds' 1-minute metrics). */
        periodSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600 })),
        /** Consecutive periods beyond a watermark before the autoscaler acts (default 3). */
        evaluationPeriods: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
        /** Brokers added at least per scale-out (default 1; more when the load needs more). */
        scaleOutStep: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        /** Brokers removed at most per scale-in (default 1). */
        scaleInStep: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        /** false: the autoscaler leaves the broker count alone (default true). */
        enabled: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    objectStore: Type.Object(
      {
        /** file://…, s3://bucket/prefix */
        uri: Type.String({ minLength: 1, maxLength: 1024, pattern: "^(file|s3|mem)://" }),
        endpoint: Type.Optional(Type.String({ maxLength: 1024 })),
        region: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    walVolumeGiB: Type.Integer({ minimum: 1, maximum: 16_384 }),
    /** Where brokers run in the customer's AWS account (required when provider is aws). */
    aws: Type.Optional(AwsCloudSettings),
    /** Where brokers run in the customer's Alibaba Cloud account (required when provider is aliyun). */
    aliyun: Type.Optional(AliyunCloudSettings),
    /** The load balancer's settings for this cluster; each one left out takes the control plane's default. */
    balancing: Type.Optional(BalancingSpec),
  },
  { additionalProperties: false },
);
export type ClusterSpec = Static<typeof ClusterSpec>;

export const ClusterState = Type.Union([
  Type.Literal("CREATING"),
  Type.Literal("RUNNING"),
  Type.Literal("UPDATING"),
  Type.Literal("DEGRADED"),
  Type.Literal("DELETING"),
  Type.Literal("FAILED"),
]);
export type ClusterState = Static<typeof ClusterState>;

export const Condition = Type.Object({
  type: Type.String(),
  status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionAt: Millis,
});
export type Condition = Static<typeof Condition>;

export const Cluster = Type.Object({
  id: Type.String({ format: "uuid" }),
  name: Name,
  spec: ClusterSpec,
  state: ClusterState,
  conditions: Type.Array(Condition),
  version: Type.Integer({ minimum: 1 }),
  deletionProtection: Type.Boolean(),
  /** host:port list for Kafka clients; null until brokers run. */
  bootstrap: Type.Union([Type.String(), Type.Null()]),
  createdAt: Millis,
  updatedAt: Millis,
});
export type Cluster = Static<typeof Cluster>;

export const CreateClusterRequest = Type.Object(
  { name: Name, spec: ClusterSpec, deletionProtection: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);
export type CreateClusterRequest = Static<typeof CreateClusterRequest>;

export const UpdateClusterRequest = Type.Object(
  {
    /** The version you read: a stale one gets 409 VERSION_MISMATCH. */
    version: Type.Integer({ minimum: 1 }),
    /** The complete new spec (provider and region cannot change). */
    spec: Type.Optional(ClusterSpec),
    deletionProtection: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateClusterRequest = Static<typeof UpdateClusterRequest>;

export const DeleteClusterQuery = Type.Object(
  {
    /** Also delete the cluster's data in object storage (default: keep it). */
    purge: Type.Boolean({ default: false }),
    /**
     * Forget the cloud resources (fleet, WAL volumes, objects to purge) the deletion cannot reach, e.g. for
     * lack of credentials, instead of failing; the delete operation lists them in `input.leftBehind`.
     */
    abandon: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
