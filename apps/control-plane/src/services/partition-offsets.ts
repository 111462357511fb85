// A topic's partitions with their log start and end offsets, asked of each partition's leader (ListOffsets
// earliest and latest, one request each per leader), for the console's partitions table. A partition without a
// leader, or whose leader does not answer, shows no offsets rather than failing the page.

import { ErrorCode } from "@cirrus/kafka-protocol";
import type { Static } from "@sinclair/typebox";
import { and, eq } from "drizzle-orm";
import type { PartitionOffsets } from "../api-schemas/topic-messages.ts";
import type { DbOrTx } from "../db/database.ts";
import { brokers } from "../db/schema.ts";
import { listOffsetsAt, withBrokerConnection } from "./kafka-broker-call.ts";
import { readTopic } from "./topics.ts";

type Offsets = Static<typeof PartitionOffsets>;

export async function topicPartitionOffsets(
  db: DbOrTx,
  clusterId: string,
  topic: string,
): Promise<Offsets[]> {
  const t = await readTopic(db, clusterId, topic);
  const rows = await db
    .select({ brokerId: brokers.brokerId, host: brokers.host, port: brokers.port })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")));
  const byLeader = new Map<number, number[]>();
  for (const p of t.partitions)
    if (p.leaderBrokerId >= 0)
      byLeader.set(p.leaderBrokerId, [...(byLeader.get(p.leaderBrokerId) ?? []), p.partition]);
  const starts = new Map<number, number>();
  const ends = new Map<number, number>();
  await Promise.all(
    [...byLeader].map(async ([leaderId, indexes]) => {
      const broker = rows.find((b) => b.brokerId === leaderId);
      if (!broker) return;
      const parts = indexes.map((partition) => ({ topic, partition }));
      await withBrokerConnection(db, clusterId, broker, async (c) => {
        for (const [timestamp, into] of [
          [-2n, starts],
          [-1n, ends],
        ] as const) {
          const answer = await listOffsetsAt(c, parts, timestamp);
          for (const at of answer.topics)
            for (const p of at.partitions)
              if (at.name === topic && p.errorCode === ErrorCode.NONE)
                into.set(p.partitionIndex, Number(p.offset));
        }
      }).catch(() => undefined); // that leader's partitions show no offsets
    }),
  );
  return t.partitions.map((p) => {
    const startOffset = starts.get(p.partition) ?? null;
    const endOffset = ends.get(p.partition) ?? null;
    return {
      partition: p.partition,
      leaderBrokerId: p.leaderBrokerId,
      startOffset,
      endOffset,
      records: startOffset === null || endOffset === null ? null : Math.max(0, endOffset - startOffset),
    };
  });
}
