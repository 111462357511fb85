// The console's message browser and produce form: the control plane reads and writes a partition through its
// leader over the Kafka protocol (@cirrus/kafka-protocol/client), as any Kafka client would, so what it shows is
// what consumers get and what it writes is acknowledged by the leader like any produce (acks=all).

import {
  ApiKey,
  CONTROL_FLAG,
  ErrorCode,
  encodeRecordBatch,
  iterateRecords,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import type { KafkaClientConnection } from "@cirrus/kafka-protocol/client";
import type { Static } from "@sinclair/typebox";
import { and, eq } from "drizzle-orm";
import type { MessagesView, MessageView, ProduceMessageRequest } from "../api-schemas/topic-messages.ts";
import type { DbOrTx } from "../db/database.ts";
import { brokers } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { kafkaProblem, REQUEST_TIMEOUT_MS, withBrokerConnection } from "./kafka-broker-call.ts";
import type { FilterableRecord, MessageFilter } from "./message-filter.ts";
import { readTopic } from "./topics.ts";

const FETCH_MAX_BYTES = 4 * 1024 * 1024;
/** Fetches per page at most: a page of large records needs several, a broker that returns nothing new stops it. */
const MAX_FETCHES = 20;
/** A filtered read's scan budget unless the request sets one: records and bytes fetched. */
export const DEFAULT_SCAN_RECORDS = 10_000;
export const DEFAULT_SCAN_BYTES = 16 * 1024 * 1024;
const EARLIEST = -2n;
const LATEST = -1n;

type Message = Static<typeof MessageView>;

/** The partition's leader, or a 404/503 problem saying why there is none to ask. */
async function leaderOf(db: DbOrTx, clusterId: string, topic: string, partition: number) {
  const t = await readTopic(db, clusterId, topic);
  const p = t.partitions.find((x) => x.partition === partition);
  if (!p)
    throw new ApiError(
      "NOT_FOUND",
      `topic ${topic} has no partition ${partition} (it has ${t.partitions.length})`,
    );
  if (p.leaderBrokerId < 0)
    throw new ApiError(
      "UNAVAILABLE",
      `partition ${topic}-${partition} has no leader right now: retry in a few seconds`,
    );
  const [b] = await db
    .select({ host: brokers.host, port: brokers.port })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, p.leaderBrokerId)));
  if (!b)
    throw new ApiError(
      "UNAVAILABLE",
      `the leader of ${topic}-${partition}, broker ${p.leaderBrokerId}, is gone`,
    );
  return { ...b, brokerId: p.leaderBrokerId };
}

async function withLeader<T>(
  db: DbOrTx,
  clusterId: string,
  topic: string,
  partition: number,
  use: (connection: KafkaClientConnection) => Promise<T>,
): Promise<T> {
  return withBrokerConnection(db, clusterId, await leaderOf(db, clusterId, topic, partition), use);
}

/** The offset of one partition at `timestamp` (EARLIEST/LATEST or a time) from its leader; an error code is a problem. */
export async function listOffset(
  c: KafkaClientConnection,
  topic: string,
  partition: number,
  timestamp: bigint,
) {
  const answer = await c.request(
    ApiKey.ListOffsets,
    5,
    {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp }] }],
    },
    REQUEST_TIMEOUT_MS,
  );
  const p = answer.topics[0]?.partitions[0];
  if (!p) throw new ApiError("UNAVAILABLE", "the leader's ListOffsets answer names no partition");
  if (p.errorCode !== ErrorCode.NONE) throw kafkaProblem(p.errorCode, `offsets of ${topic}-${partition}`);
  return p.offset;
}

function bytesView(bytes: Buffer | null): Message["key"] {
  if (bytes === null) return null;
  const text = new TextDecoder("utf-8", { fatal: true });
  let decoded: string | null;
  try {
    decoded = text.decode(bytes);
  } catch {
    decoded = null;
  }
  return { base64: bytes.toString("base64"), text: decoded };
}

type Budget = { records: number; bytes: number };
/** A record as the API shows it, with its bytes for the filter. */
type Scanned = Message & { raw: FilterableRecord };

/**
 * Reads the records of [from, to) forward through the leader, calling `visit` for each (control records skipped);
 * returns the records and bytes fetched. Stops early when the leader has nothing readable past a point.
 */
async function scanRange(
  c: KafkaClientConnection,
  topic: string,
  partition: number,
  from: bigint,
  to: bigint,
  visit: (record: Scanned) => void,
): Promise<Budget> {
  let next = from;
  const used: Budget = { records: 0, bytes: 0 };
  for (let fetches = 0; next < to && fetches < MAX_FETCHES; fetches++) {
    const answer = await c.request(
      ApiKey.Fetch,
      12,
      {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: [
              {
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: next,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: FETCH_MAX_BYTES,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: "",
      },
      REQUEST_TIMEOUT_MS,
    );
    if (answer.errorCode !== ErrorCode.NONE)
      throw kafkaProblem(answer.errorCode, `fetch ${topic}-${partition}`);
    const p = answer.responses[0]?.partitions[0];
    if (!p) throw new ApiError("UNAVAILABLE", "the leader's Fetch answer names no partition");
    if (p.errorCode !== ErrorCode.NONE) throw kafkaProblem(p.errorCode, `fetch ${topic}-${partition}`);
    const records = p.records === null ? Buffer.alloc(0) : Buffer.concat([p.records].flat());
    used.bytes += records.length;
    const before = next;
    for (const batch of splitRecordBatches(records)) {
      const header = readRecordBatchHeader(batch);
      const batchEnd = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
      if ((header.attributes & CONTROL_FLAG) !== 0) {
        if (batchEnd > next) next = batchEnd;
        continue;
      }
      for (const r of iterateRecords(batch)) {
        if (r.offset < next || r.offset >= to) continue;
        used.records++;
        visit({
          offset: Number(r.offset),
          timestamp: Number(r.timestamp),
          key: bytesView(r.key),
          value: bytesView(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: bytesView(h.value) })),
          raw: r,
        });
        next = r.offset + 1n;
      }
      if (batchEnd > next && batchEnd <= to) next = batchEnd;
    }
    if (next === before) break; // nothing readable past this point now
  }
  return used;
}

const lesser = (a: bigint, b: bigint) => (a < b ? a : b);
const greater = (a: bigint, b: bigint) => (a > b ? a : b);

/** Offsets per scan window at most, and the record size a window is sized with before one is seen. */
const MAX_WINDOW = 1000n;
const FIRST_RECORD_BYTES = 1024;

/** How many offsets the next window spans: what the budget left can pay for at the bytes per record seen so far. */
function windowSize(left: Budget, used: Budget, limit: number, filtered: boolean): bigint {
  if (!filtered) return BigInt(limit);
  const perRecord = used.records > 0 ? Math.max(1, used.bytes / used.records) : FIRST_RECORD_BYTES;
  const affordable = Math.min(left.records, Math.floor(left.bytes / perRecord));
  const size = BigInt(Math.max(1, affordable));
  return size < MAX_WINDOW ? size : MAX_WINDOW;
}

export type ReadOptions = {
  before?: number;
  timestamp?: number;
  limit: number;
  filter?: MessageFilter;
  /** The most records and bytes a filtered read scans (a window started within it is finished). */
  scan?: Budget;
};

/**
 * Up to `limit` records of a partition, newest first: before offset `before` (exclusive; default: its end), or
 * from `timestamp` (ms since the epoch) on: from the first record at or after it, as the leader's ListOffsets by
 * timestamp answers (an empty page when no record is that late). Control records (transaction markers) are skipped.
 * With a `filter`, only the records it matches, scanning in windows (backwards from `before`, forwards from the
 * time) until `limit` match or the scan budget is spent; `scan` says which offsets were scanned, so a page can
 * continue where this one stopped.
 */
export async function readMessages(
  db: DbOrTx,
  clusterId: string,
  topic: string,
  partition: number,
  options: ReadOptions,
): Promise<Static<typeof MessagesView>> {
  const filter = options.filter;
  const filtered = filter?.active === true;
  const budget = options.scan ?? { records: DEFAULT_SCAN_RECORDS, bytes: DEFAULT_SCAN_BYTES };
  return withLeader(db, clusterId, topic, partition, async (c) => {
    const start = await listOffset(c, topic, partition, EARLIEST);
    const end = await listOffset(c, topic, partition, LATEST);
    const limit = BigInt(options.limit);
    const used: Budget = { records: 0, bytes: 0 };
    const spend = (u: Budget) => {
      used.records += u.records;
      used.bytes += u.bytes;
    };
    const left = () => ({ records: budget.records - used.records, bytes: budget.bytes - used.bytes });
    const spent = () => left().records <= 0 || left().bytes <= 0;
    const keep = (m: Scanned) => !filtered || filter.matches(m.raw);
    const strip = ({ raw: _raw, ...m }: Scanned): Message => m;
    const messages: Message[] = [];
    let scanFrom: bigint;
    let scanTo: bigint;
    let timestampOffset: bigint | undefined;
    if (options.timestamp !== undefined) {
      const found = await listOffset(c, topic, partition, BigInt(options.timestamp));
      // -1: no record is that late. The leader clamps to the log start; a record written since `end` was read
      // is past this page.
      timestampOffset = found;
      if (found < 0n || found > end) timestampOffset = end;
      else if (found < start) timestampOffset = start;
      scanFrom = timestampOffset;
      scanTo = timestampOffset;
      // Forwards: the first `limit` matches at or after the time.
      do {
        const size = windowSize(left(), used, options.limit, filtered);
        const to = lesser(scanTo + size, end);
        const found: Message[] = [];
        spend(await scanRange(c, topic, partition, scanTo, to, (m) => keep(m) && found.push(strip(m))));
        scanTo = to;
        for (const m of found) {
          if (BigInt(messages.length) === limit) {
            // Enough: the next page starts after the last one kept.
            scanTo = BigInt(messages.at(-1)?.offset ?? 0) + 1n;
            break;
          }
          messages.push(m);
        }
      } while (filtered && BigInt(messages.length) < limit && scanTo < end && !spent());
      messages.reverse();
    } else {
      // Backwards: the newest `limit` matches before `before`, window after window.
      const upper = options.before === undefined ? end : BigInt(Math.min(options.before, Number(end)));
      scanTo = upper;
      scanFrom = upper;
      do {
        const size = windowSize(left(), used, options.limit, filtered);
        const lowest = lesser(scanFrom, start);
        const from = greater(scanFrom - size, lowest);
        const found: Message[] = [];
        spend(await scanRange(c, topic, partition, from, scanFrom, (m) => keep(m) && found.push(strip(m))));
        scanFrom = from;
        for (const m of found.reverse()) {
          if (BigInt(messages.length) === limit) {
            // Enough: the next page ends before the oldest one kept.
            scanFrom = BigInt(messages.at(-1)?.offset ?? 0);
            break;
          }
          messages.push(m);
        }
      } while (filtered && BigInt(messages.length) < limit && scanFrom > start && !spent());
    }
    return {
      partition,
      startOffset: Number(start),
      endOffset: Number(end),
      ...(timestampOffset === undefined ? {} : { timestampOffset: Number(timestampOffset) }),
      messages,
      scan: {
        records: used.records,
        bytes: used.bytes,
        from: Number(scanFrom),
        to: Number(scanTo),
      },
    };
  });
}

/** Appends one record to the partition through its leader (acks=all); returns its offset. */
export async function produceMessage(
  db: DbOrTx,
  clusterId: string,
  topic: string,
  partition: number,
  message: Static<typeof ProduceMessageRequest>,
): Promise<{ partition: number; offset: number }> {
  return withLeader(db, clusterId, topic, partition, async (c) => {
    const now = BigInt(Date.now());
    const batch = encodeRecordBatch({
      baseTimestamp: now,
      records: [
        {
          key: message.key ?? null,
          value: message.value,
          headers: (message.headers ?? []).map((h) => ({ key: h.key, value: h.value })),
          timestamp: now,
        },
      ],
    });
    const answer = await c.request(
      ApiKey.Produce,
      9,
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: REQUEST_TIMEOUT_MS - 1000,
        topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
      },
      REQUEST_TIMEOUT_MS,
    );
    const p = answer.responses[0]?.partitionResponses[0];
    if (!p) throw new ApiError("UNAVAILABLE", "the leader's Produce answer names no partition");
    if (p.errorCode !== ErrorCode.NONE)
      throw kafkaProblem(
        p.errorCode,
        `produce to ${topic}-${partition}${p.errorMessage ? ` (${p.errorMessage})` : ""}`,
      );
    return { partition, offset: Number(p.baseOffset) };
  });
}
