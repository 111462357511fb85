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
