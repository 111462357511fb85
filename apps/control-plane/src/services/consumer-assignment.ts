/**
 * Kafka's consumer protocol assignment (what a "consumer" group's leader hands each member in SyncGroup):
 *   version: int16, [topic: string (int16 length), [partition: int32]], userData: bytes (v0+; ignored here).
 * Returns null for bytes that are not one (another protocol type, or truncated).
 */
export function decodeConsumerAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] | null {
  try {
    let at = 2; // version
    const topicCount = bytes.readInt32BE(at);
    at += 4;
    if (topicCount < 0 || topicCount > 100_000) return null;
    const topics: { topic: string; partitions: number[] }[] = [];
    for (let t = 0; t < topicCount; t++) {
      const length = bytes.readInt16BE(at);
      at += 2;
      if (length < 0 || at + length > bytes.length) return null;
      const topic = bytes.toString("utf8", at, at + length);
      at += length;
      const count = bytes.readInt32BE(at);
      at += 4;
      if (count < 0 || at + count * 4 > bytes.length) return null;
      const partitions: number[] = [];
      for (let p = 0; p < count; p++, at += 4) partitions.push(bytes.readInt32BE(at));
      topics.push({ topic, partitions });
    }
    return topics;
  } catch {
    return null; // RangeError: shorter than its counts say
  }
}
