// Configuration of the coordinator, producer ids and SASL: defaults in one object, each option also an
// environment variable, validated and frozen at start-up. (Kept apart from src/config.ts, which another
// engineer owns; the option names follow the same CIRRUS_<UPPER_SNAKE> convention.)
import { readFileSync } from "node:fs";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import { defaultGroupConfig, type GroupConfig } from "./group-context.ts";

export interface CoordinatorConfig extends GroupConfig {
  /** Partitions of the offsets topic when this broker has to create it (fixed afterwards). */
  readonly offsetsTopicPartitions: number;
  /**
   * SASL mechanisms offered (PLAIN, SCRAM-SHA-256); empty: SaslHandshake answers
   * UNSUPPORTED_SASL_MECHANISM with an empty list.
   */
  readonly saslMechanisms: readonly string[];
  /** user → password, from CIRRUS_SASL_USERS ("alice:secret,bob:pw") or CIRRUS_SASL_USERS_FILE. */
  readonly saslUsers: ReadonlyMap<string, string>;
}

export const coordinatorConfigDefaults: CoordinatorConfig = Object.freeze({
  ...defaultGroupConfig,
  offsetsTopicPartitions: 16,
  saslMechanisms: [],
  saslUsers: new Map<string, string>(),
});

const intOptions: Record<keyof GroupConfig | "offsetsTopicPartitions", [string, number, number]> = {
  minSessionTimeoutMs: ["CIRRUS_GROUP_MIN_SESSION_TIMEOUT_MS", 1, 86_400_000],
  maxSessionTimeoutMs: ["CIRRUS_GROUP_MAX_SESSION_TIMEOUT_MS", 1, 86_400_000],
  initialRebalanceDelayMs: ["CIRRUS_GROUP_INITIAL_REBALANCE_DELAY_MS", 0, 600_000],
  maxGroupSize: ["CIRRUS_GROUP_MAX_SIZE", 1, 1_000_000],
  newMemberJoinTimeoutMs: ["CIRRUS_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS", 1, 86_400_000],
  offsetMetadataMaxBytes: ["CIRRUS_OFFSET_METADATA_MAX_BYTES", 0, 1_048_576],
  offsetsRetentionMs: ["CIRRUS_OFFSETS_RETENTION_MS", 1, 365 * 86_400_000],
  offsetsRetentionCheckIntervalMs: ["CIRRUS_OFFSETS_RETENTION_CHECK_INTERVAL_MS", 1_000, 86_400_000],
  offsetsCompactionMinRecords: ["CIRRUS_OFFSETS_COMPACTION_MIN_RECORDS", 1, 1_000_000_000],
  offsetsCompactionMinSupersededPercent: ["CIRRUS_OFFSETS_COMPACTION_MIN_SUPERSEDED_PERCENT", 1, 99],
  offsetsCompactionBatchRecords: ["CIRRUS_OFFSETS_COMPACTION_BATCH_RECORDS", 1, 100_000],
  offsetsTopicPartitions: ["CIRRUS_OFFSETS_TOPIC_PARTITIONS", 1, 1_000],
};

const SUPPORTED_MECHANISMS = new Set(["PLAIN", "SCRAM-SHA-256"]);

function invalid(message: string): CoordinatorError {
  return new CoordinatorError(CoordinatorErrorCode.CONFIG_INVALID, message);
}

/** Reads the environment over the defaults; throws CoordinatorError(CONFIG_INVALID) on a bad value. */
export function loadCoordinatorConfig(env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  const config: Record<string, unknown> = { ...coordinatorConfigDefaults };
  for (const [key, [name, min, max]] of Object.entries(intOptions)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw invalid(`${name}=${raw}: expected an integer in [${min}, ${max}]`);
    }
    config[key] = value;
  }
  const mechanisms = (env.CIRRUS_SASL_MECHANISMS ?? "")
    .split(",")
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m.length > 0);
  for (const m of mechanisms)
    if (!SUPPORTED_MECHANISMS.has(m)) throw invalid(`unsupported SASL mechanism ${m}`);
  config.saslMechanisms = Object.freeze(mechanisms);
  const usersFile = env.CIRRUS_SASL_USERS_FILE;
  const usersText = usersFile ? readFileSync(usersFile, "utf8") : (env.CIRRUS_SASL_USERS ?? "");
  config.saslUsers = parseUsers(usersText);
  if (mechanisms.length > 0 && (config.saslUsers as Map<string, string>).size === 0) {
    throw invalid("CIRRUS_SASL_MECHANISMS is set but no CIRRUS_SASL_USERS / CIRRUS_SASL_USERS_FILE");
  }
  const result = config as unknown as CoordinatorConfig;
  if (result.minSessionTimeoutMs > result.maxSessionTimeoutMs) {
    throw invalid("CIRRUS_GROUP_MIN_SESSION_TIMEOUT_MS is above CIRRUS_GROUP_MAX_SESSION_TIMEOUT_MS");
  }
  return Object.freeze(result);
}

/** "user:password" pairs separated by commas or newlines; a password may itself contain ':'. */
export function parseUsers(text: string): ReadonlyMap<string, string> {
  const users = new Map<string, string>();
  for (const entry of text.split(/[,\n]/)) {
    const trimmed = entry.trim();
    if (trimmed.length === 0) continue;
    const colon = trimmed.indexOf(":");
    if (colon <= 0) throw invalid(`SASL user entry without "user:password"`);
    users.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  return users;
}
