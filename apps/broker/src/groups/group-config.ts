// The coordinator's view of the broker's one config (src/config.ts, where these options are defined,
// validated and read from CIRRUS_GROUP_*, CIRRUS_OFFSET*, CIRRUS_SASL_* at start-up): the group limits under
// the names the group code uses, the offsets topic's partition count and the SASL users.
import { type BrokerConfig, brokerConfigDefaults } from "../config.ts";
import type { GroupConfig } from "./group-context.ts";

export interface CoordinatorConfig extends GroupConfig {
  /** Partitions of the offsets topic when this broker has to create it (fixed afterwards). */
  readonly offsetsTopicPartitions: number;
  /**
   * SASL mechanisms offered (PLAIN, SCRAM-SHA-256); empty: SaslHandshake answers
   * UNSUPPORTED_SASL_MECHANISM with an empty list.
   */
  readonly saslMechanisms: readonly string[];
  /** user → password. */
  readonly saslUsers: ReadonlyMap<string, string>;
}

/** The group limits of a broker config. */
export function groupConfigOf(config: BrokerConfig): GroupConfig {
  return Object.freeze({
    minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    maxGroupSize: config.groupMaxSize,
    newMemberJoinTimeoutMs: config.groupNewMemberJoinTimeoutMs,
    offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
    offsetsRetentionMs: config.offsetsRetentionMs,
    offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
    producerIdleExpiryMs: config.producerIdleExpiryMs,
    offsetsCompactionMinRecords: config.offsetsCompactionMinRecords,
    offsetsCompactionMinSupersededPercent: config.offsetsCompactionMinSupersededPercent,
    offsetsCompactionBatchRecords: config.offsetsCompactionBatchRecords,
  });
}

/** The coordinator's settings of a (validated, frozen) broker config. */
export function coordinatorConfigOf(config: BrokerConfig): CoordinatorConfig {
  return Object.freeze({
    ...groupConfigOf(config),
    offsetsTopicPartitions: config.offsetsTopicPartitions,
    saslMechanisms: config.saslMechanisms,
    saslUsers: config.saslUsers,
  });
}

export const coordinatorConfigDefaults: CoordinatorConfig = coordinatorConfigOf(brokerConfigDefaults);
