import type { Broker, PartitionLoad, Topic } from "../api/types.ts";

export interface MapTile {
  topic: string;
  partition: number;
  bytesPerSec: number;
}

export interface MapColumn {
  broker: Broker | undefined;
  brokerId: number;
  tiles: MapTile[];
  bytesPerSec: number;
}

/**
 * Every partition under the broker that leads it (-1: no leader), with its load (moving average of in+out,
 * 0 when nobody reported it), brokers in id order, each broker's partitions busiest first.
 */
export function buildMap(brokers: Broker[], topics: Topic[], load: PartitionLoad[]): MapColumn[] {
  const loadOf = new Map(
    load.map((l) => [`${l.topicId}/${l.partition}`, l.avgBytesInPerSec + l.avgBytesOutPerSec]),
  );
  const columns = new Map<number, MapColumn>();
  const column = (brokerId: number) => {
    let c = columns.get(brokerId);
    if (!c) {
      c = { brokerId, broker: brokers.find((b) => b.brokerId === brokerId), tiles: [], bytesPerSec: 0 };
      columns.set(brokerId, c);
    }
    return c;
  };
  for (const b of brokers) column(b.brokerId);
  for (const t of topics)
    for (const p of t.partitions) {
      const bytesPerSec = loadOf.get(`${t.topicId}/${p.partition}`) ?? 0;
      const c = column(p.leaderBrokerId);
      c.tiles.push({ topic: t.name, partition: p.partition, bytesPerSec });
      c.bytesPerSec += bytesPerSec;
    }
  for (const c of columns.values()) c.tiles.sort((a, b) => b.bytesPerSec - a.bytesPerSec);
  return [...columns.values()].sort((a, b) => a.brokerId - b.brokerId);
}

/**
 * Whether the brokers' traffic moved enough since `before` (the rates when the map last loaded its partitions'
 * load) to load it again: a broker came or went, or one's in+out changed by more than 10 % (and 1 KiB/s).
 */
export function trafficMoved(before: readonly Broker[], now: readonly Broker[]): boolean {
  if (before.length !== now.length) return true;
  const total = (b: Broker) => b.load.bytesInPerSec + b.load.bytesOutPerSec;
  const was = new Map(before.map((b) => [b.brokerId, total(b)]));
  return now.some((b) => {
    const old = was.get(b.brokerId);
    if (old === undefined) return true;
    const delta = Math.abs(total(b) - old);
    return delta > 1024 && delta > 0.1 * old;
  });
}
