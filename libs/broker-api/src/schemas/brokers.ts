import { type Static, Type } from "@sinclair/typebox";
import { BrokerId, Epoch, HostName, PartitionIndex, Port, StreamId, TopicId, TopicName } from "./common.ts";

export const RegisterBrokerRequest = Type.Object(
  {
    /** The cloud's instance id (or the local provider's process name): stable across restarts. */
    instanceId: Type.String({ minLength: 1, maxLength: 128 }),
    zone: Type.String({ minLength: 1, maxLength: 64 }),
    /** Where Kafka clients reach this broker. */
    host: HostName,
    port: Port,
    /** The WAL volume attached to this broker, if the provider has volumes. */
    volumeId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** The broker's admin HTTP port (Prometheus /metrics, /healthz, /readyz), on `host`. */
    adminPort: Type.Optional(Port),
    /**
     * Ignored: the control plane takes spot or on-demand from the provider's instance records, never from
     * the broker (DESIGN invariant 4). Still accepted so that an older broker that sends it can register.
     */
    spot: Type.Optional(Type.Boolean({ deprecated: true })),
  },
  { additionalProperties: false },
);
export type RegisterBrokerRequest = Static<typeof RegisterBrokerRequest>;

export const RegisterBrokerResponse = Type.Object({
  clusterId: Type.String(),
  brokerId: BrokerId,
  /** New on every registration; every earlier epoch of this broker id is fenced from now on. */
  epoch: Epoch,
  /** The lease length: heartbeat well within it (a third is a good period). */
  leaseMs: Type.Integer({ minimum: 1 }),
});
export type RegisterBrokerResponse = Static<typeof RegisterBrokerResponse>;

/**
 * A cloud instance asks for a broker credential with the identity its cloud signed (AWS: the instance
 * identity document and its base64 `signature`), so that no secret needs to be in its user data.
 */
export const InstanceCredentialRequest = Type.Object(
  {
    clusterId: Type.String({ minLength: 1, maxLength: 128 }),
    identity: Type.Object(
      {
        provider: Type.Union([Type.Literal("aws"), Type.Literal("aliyun")]),
        /** The document exactly as the metadata service served it. */
        document: Type.String({ minLength: 2, maxLength: 16_384 }),
        signature: Type.String({ minLength: 1, maxLength: 16_384 }),
        /**
         * aliyun: the challenge (InstanceChallengeResponse.audience) the signature was asked for with
         * (`instance-identity/pkcs7?audience=`); required there, a proof without one is refused.
         */
        audience: Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: "^[A-Za-z0-9:_-]+$" })),
        /**
         * aws: a sts:GetCallerIdentity POST the instance role signed (SigV4) for InstanceChallengeResponse.stsUrl,
         * with the challenge in the signed `x-cirrus-challenge` header, not sent: the control plane sends it.
         * Required there; the identity document alone is refused.
         */
        callerIdentity: Type.Optional(
          Type.Object(
            {
              url: Type.String({ minLength: 8, maxLength: 2048 }),
              /** Every header it signed, and Authorization. */
              headers: Type.Record(
                Type.String({ minLength: 1, maxLength: 128 }),
                Type.String({ maxLength: 8192 }),
                {
                  maxProperties: 32,
                },
              ),
              body: Type.String({ maxLength: 1024 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type InstanceCredentialRequest = Static<typeof InstanceCredentialRequest>;

/** A cloud instance asks for a challenge to sign into its identity proof (unauthenticated, like the proof). */
export const InstanceChallengeRequest = Type.Object(
  { clusterId: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
export type InstanceChallengeRequest = Static<typeof InstanceChallengeRequest>;

export const InstanceChallengeResponse = Type.Object({
  /** What the instance asks its cloud to sign as the identity's audience; good for one proof. */
  audience: Type.String(),
  /** ms since the epoch; a proof presented later is refused. */
  expiresAt: Type.Integer(),
  /** aws clusters: the STS endpoint to sign sts:GetCallerIdentity for, the only one the control plane forwards to. */
  stsUrl: Type.Optional(Type.String()),
});
export type InstanceChallengeResponse = Static<typeof InstanceChallengeResponse>;

export const InstanceCredentialResponse = Type.Object({
  /** The credential for every later call; bound to `instanceId` (registering as another instance is 403). */
  brokerToken: Type.String(),
  instanceId: Type.String(),
});
export type InstanceCredentialResponse = Static<typeof InstanceCredentialResponse>;

export const InstancePath = Type.Object({ instanceId: Type.String({ minLength: 1, maxLength: 128 }) });
export type InstancePath = Static<typeof InstancePath>;

export const InstanceWalVolumeResponse = Type.Object({
  /**
   * The volume the provisioner created and attached for this instance (the control plane's volumes table),
   * null while it is not attached yet: the broker asks again.
   */
  volumeId: Type.Union([Type.String(), Type.Null()]),
});
export type InstanceWalVolumeResponse = Static<typeof InstanceWalVolumeResponse>;

export const PartitionLoad = Type.Object(
  {
    topicId: TopicId,
    partition: PartitionIndex,
    bytesInPerSec: Type.Number({ minimum: 0 }),
    bytesOutPerSec: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const HeartbeatRequest = Type.Object(
  {
    epoch: Epoch,
    load: Type.Optional(
      Type.Object(
        {
          bytesInPerSec: Type.Number({ minimum: 0 }),
          bytesOutPerSec: Type.Number({ minimum: 0 }),
          partitions: Type.Optional(Type.Array(PartitionLoad, { maxItems: 100_000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object({
  /** Server clock, ms since the Unix epoch. Brokers should count their lease from when they sent the request. */
  leaseUntil: Type.Integer(),
  /** The broker's current assignment version: watch with after < this to get it. */
  assignmentVersion: Type.Integer({ minimum: 0 }),
});
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;

export const PartitionAssignment = Type.Object({
  topicId: TopicId,
  topic: TopicName,
  partition: PartitionIndex,
  streamId: StreamId,
  /** The partition's leader epoch: also the stream epoch the broker must open the stream with. */
  leaderEpoch: Epoch,
});
export type PartitionAssignment = Static<typeof PartitionAssignment>;

export const VolumeRecovery = Type.Object({
  volumeId: Type.String(),
  /** The fenced broker whose WAL this volume holds, and the epoch it was fenced at. */
  ownerBrokerId: BrokerId,
  ownerEpoch: Epoch,
});
export type VolumeRecovery = Static<typeof VolumeRecovery>;

export const AssignmentsQuery = Type.Object(
  {
    epoch: Epoch,
    /** Answer as soon as the version is greater than this one (-1: answer at once). */
    after: Type.Integer({ minimum: -1, default: -1 }),
    /** Long-poll budget; on timeout the answer repeats the current version. */
    waitMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 25_000 }),
  },
  { additionalProperties: false },
);
export type AssignmentsQuery = Static<typeof AssignmentsQuery>;

/**
 * Level-triggered: `open` is the complete set of partitions this broker must serve at `version`
 * (open the ones it has not opened), `close` the partitions it must stop serving (it should also
 * close anything it serves that is not in `open`), `recover` the WAL volumes it must replay and
 * upload before the owner's partitions are reassigned.
 */
export const Assignments = Type.Object({
  version: Type.Integer({ minimum: 0 }),
  open: Type.Array(PartitionAssignment),
  close: Type.Array(PartitionAssignment),
  recover: Type.Array(VolumeRecovery),
});
export type Assignments = Static<typeof Assignments>;

export const BrokerPath = Type.Object({ brokerId: BrokerId }, { additionalProperties: false });

export const FenceBrokerRequest = Type.Object({ epoch: Epoch }, { additionalProperties: false });

/** End of a graceful shutdown: the incarnation (brokerId, epoch) hands its partitions back at once. */
export const DeregisterBrokerRequest = Type.Object({ epoch: Epoch }, { additionalProperties: false });
export type DeregisterBrokerRequest = Static<typeof DeregisterBrokerRequest>;

export const DeregisterBrokerResponse = Type.Object({
  /** STOPPED: partitions reassigned now; FENCED: streams were still open, a failover recovers the WAL first. */
  state: Type.Union([Type.Literal("STOPPED"), Type.Literal("FENCED")]),
});
export type DeregisterBrokerResponse = Static<typeof DeregisterBrokerResponse>;
