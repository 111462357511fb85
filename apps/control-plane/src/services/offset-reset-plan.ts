// Where a consumer group's offset reset puts each partition, from the partition's earliest and latest offsets
// (and, for a timestamp, the first offset at or after it), with the rules of Kafka's kafka-consumer-groups
// tool: an offset outside [earliest, latest] is clamped into it, and a timestamp after the last record means
// the end.

export type ResetTarget =
  | { type: "earliest" }
  | { type: "latest" }
  | { type: "timestamp"; timestamp: number }
  | { type: "offset"; offset: number };

export interface PartitionBounds {
  topic: string;
  partition: number;
  /** The group's committed offset, -1 when nothing is committed. */
  before: number;
  earliest: number;
  latest: number;
  /** ListOffsets of the target's timestamp: the first offset at or after it, -1 when no record is that late. */
  atTimestamp?: number;
}

export interface PartitionReset {
  topic: string;
  partition: number;
  before: number;
  after: number;
}

export function resetOffset(target: ResetTarget, bounds: PartitionBounds): number {
  const clamp = (offset: number) => Math.min(bounds.latest, Math.max(bounds.earliest, offset));
  switch (target.type) {
    case "earliest":
      return bounds.earliest;
    case "latest":
      return bounds.latest;
    case "offset":
      return clamp(target.offset);
    case "timestamp":
      if (bounds.atTimestamp === undefined)
        throw new Error(`no offset for the timestamp of ${bounds.topic}-${bounds.partition}`);
      return bounds.atTimestamp < 0 ? bounds.latest : clamp(bounds.atTimestamp);
  }
}

export function planOffsetReset(target: ResetTarget, partitions: PartitionBounds[]): PartitionReset[] {
  return partitions
    .map((b) => ({ topic: b.topic, partition: b.partition, before: b.before, after: resetOffset(target, b) }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
