// What a topic's configs ask of every append (Kafka's LogValidator, for magic-2 batches): batches larger than
// max.message.bytes are refused (MESSAGE_TOO_LARGE); with message.timestamp.type=CreateTime every record's
// timestamp must lie within message.timestamp.before.max.ms / after.max.ms of the broker's clock
// (INVALID_TIMESTAMP); with LogAppendTime each batch is stamped with the append time; a compacted topic
// (cleanup.policy includes compact) refuses a record without a key (INVALID_RECORD: the log cleaner keeps the
// last record per key, and a keyless one has none); a compression.type other than `producer` re-encodes the
// batches the producer compressed otherwise (batch-recompression.ts). Records are decoded only for a topic that
// sets a timestamp window, is compacted or names a codec; otherwise the check reads nothing but the batch size.
import { type Compression, ErrorCode, iterateRecords, setLogAppendTime } from "@cirrus/kafka-protocol";
import { compressionOf, recompressBatch } from "./batch-recompression.ts";
import type { CheckedBatch } from "./partition.ts";
import { cleanupPolicies } from "./topic-config-reader.ts";

export interface TopicAppendPolicy {
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
  /** How far behind / ahead of the clock a CreateTime timestamp may be (Infinity: unchecked). */
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
  /** cleanup.policy includes compact: every record needs a key. */
  readonly keysRequired: boolean;
  /** compression.type names a codec: every batch is stored in it (undefined: `producer`, as sent). */
  readonly compression?: Compression | undefined;
}

export const DEFAULT_APPEND_POLICY: TopicAppendPolicy = Object.freeze({
  maxMessageBytes: 1048588,
  logAppendTime: false,
  timestampBeforeMaxMs: Number.POSITIVE_INFINITY,
  timestampAfterMaxMs: Number.POSITIVE_INFINITY,
  keysRequired: false,
  compression: undefined,
});

// Longs up to 2^63-1 mean "no limit": anything past a thousand years is one.
const LIMIT_CAP_MS = 1000 * 365 * 86_400_000;
const millis = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) && n < LIMIT_CAP_MS ? n : Number.POSITIVE_INFINITY;
};

const cache = new WeakMap<object, TopicAppendPolicy>();

/** The policy of a topic's configs (validated by the control plane); memoized per configs object. */
export function appendPolicyOf(configs: Readonly<Record<string, string>> | undefined): TopicAppendPolicy {
  if (!configs) return DEFAULT_APPEND_POLICY;
  const cached = cache.get(configs);
  if (cached) return cached;
  // The deprecated difference.max.ms bounds both sides unless the newer keys are set (Kafka 3.6+).
  const difference = millis(configs["message.timestamp.difference.max.ms"]);
  const policy: TopicAppendPolicy = {
    maxMessageBytes: Number(configs["max.message.bytes"] ?? DEFAULT_APPEND_POLICY.maxMessageBytes),
    logAppendTime: configs["message.timestamp.type"] === "LogAppendTime",
    timestampBeforeMaxMs:
      millis(configs["message.timestamp.before.max.ms"]) ?? difference ?? Number.POSITIVE_INFINITY,
    timestampAfterMaxMs:
      millis(configs["message.timestamp.after.max.ms"]) ?? difference ?? Number.POSITIVE_INFINITY,
    keysRequired: cleanupPolicies(configs).includes("compact"),
    compression: compressionOf(configs["compression.type"]),
  };
  cache.set(configs, policy);
  return policy;
}

export type PolicyVerdict<T extends CheckedBatch> =
  | { readonly ok: true; readonly batches: readonly T[]; readonly logAppendTimeMs: number }
  | {
      readonly ok: false;
      readonly errorCode: number;
      readonly message: string;
      readonly recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
    };

/**
 * Checks the batches against the policy and, for LogAppendTime, stamps them in place with `now` (so call it
 * only right before the append). `logAppendTimeMs` is -1 for CreateTime, as Kafka answers.
 */
export function applyAppendPolicy<T extends CheckedBatch>(
  sent: readonly T[],
  policy: TopicAppendPolicy,
  now: number,
): PolicyVerdict<T> {
  const tooLarge = firstTooLarge(sent, policy.maxMessageBytes);
  if (tooLarge) return tooLarge;
  const recompressed = recompressAll(sent, policy.compression);
  if (typeof recompressed === "string") {
    return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: recompressed, recordErrors: [] };
  }
  const batches = recompressed;
  // In the topic's codec a batch may grow (Kafka checks the size again after recompressing).
  const tooLargeNow = batches === sent ? undefined : firstTooLarge(batches, policy.maxMessageBytes);
  if (tooLargeNow) return tooLargeNow;
  if (policy.keysRequired) {
    for (const batch of batches) {
      const keyless = firstRecordWithoutKey(batch.payload);
      if (keyless === null) continue;
      if (typeof keyless === "string") {
        return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: keyless, recordErrors: [] };
      }
      const message = "Compacted topic cannot accept message without key.";
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_RECORD,
        message,
        recordErrors: [{ batchIndex: keyless, batchIndexErrorMessage: message }],
      };
    }
  }
  if (policy.logAppendTime) {
    const stamped = batches.map((batch) => {
      setLogAppendTime(batch.payload, now);
      return { ...batch, maxTimestamp: now };
    });
    return { ok: true, batches: stamped, logAppendTimeMs: now };
  }
  const windowed =
    policy.timestampBeforeMaxMs !== Number.POSITIVE_INFINITY ||
    policy.timestampAfterMaxMs !== Number.POSITIVE_INFINITY;
  if (windowed) {
    const earliest = now - policy.timestampBeforeMaxMs;
    const latest = now + policy.timestampAfterMaxMs;
    for (const batch of batches) {
      const outside = firstRecordOutside(batch.payload, earliest, latest);
      if (outside === null) continue;
      if (typeof outside === "string") {
        return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: outside, recordErrors: [] };
      }
      const message = `Timestamp ${outside.timestamp} of message with offset ${outside.index} is out of range. The timestamp should be within [${earliest}, ${latest}]`;
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_TIMESTAMP,
        message,
        recordErrors: [{ batchIndex: outside.index, batchIndexErrorMessage: message }],
      };
    }
  }
  return { ok: true, batches, logAppendTimeMs: -1 };
}

/** MESSAGE_TOO_LARGE for the first batch over max.message.bytes, undefined when all fit. */
function firstTooLarge(
  batches: readonly CheckedBatch[],
  maxMessageBytes: number,
): PolicyVerdict<never> | undefined {
  const batch = batches.find((b) => b.payload.length > maxMessageBytes);
  if (!batch) return undefined;
  return {
    ok: false,
    errorCode: ErrorCode.MESSAGE_TOO_LARGE,
    message: `The batch is ${batch.payload.length} bytes, larger than max.message.bytes ${maxMessageBytes}`,
    recordErrors: [],
  };
}

/**
 * The batches in the topic's codec, or why one is unreadable: the same array when none needed re-encoding
 * (`producer`, or every batch already in the codec), so the caller checks the sizes again only after a change.
 */
function recompressAll<T extends CheckedBatch>(
  batches: readonly T[],
  codec: Compression | undefined,
): readonly T[] | string {
  if (codec === undefined) return batches;
  let changed: T[] | undefined;
  try {
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      const payload = recompressBatch(batch.payload, codec);
      if (payload === batch.payload && !changed) continue;
      changed ??= batches.slice(0, i);
      changed.push(payload === batch.payload ? batch : { ...batch, payload });
    }
  } catch (error) {
    return String((error as Error).message ?? error);
  }
  return changed ?? batches;
}

/** The first record whose timestamp is outside [earliest, latest], null if none, or why the batch is unreadable. */
function firstRecordOutside(
  batch: Buffer,
  earliest: number,
  latest: number,
): { index: number; timestamp: number } | string | null {
  try {
    let index = 0;
    for (const record of iterateRecords(batch)) {
      const timestamp = Number(record.timestamp);
      if (timestamp < earliest || timestamp > latest) return { index, timestamp };
      index++;
    }
    return null;
  } catch (error) {
    return String((error as Error).message ?? error);
  }
}

/** The index of the first record with a null key, null if none, or why the batch is unreadable. */
function firstRecordWithoutKey(batch: Buffer): number | string | null {
  try {
    let index = 0;
    for (const record of iterateRecords(batch)) {
      if (record.key === null) return index;
      index++;
    }
    return null;
  } catch (error) {
    return String((error as Error).message ?? error);
  }
}
