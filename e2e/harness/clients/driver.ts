// One interface over the three real Kafka clients the e2e suite runs: kcat, kafkajs and @platformatic/kafka.
import type { ConsumedRecord, KeyedRecord } from "./workload.ts";

export interface RunningGroup {
  /** Stops every member; each commits the offsets of what it consumed before leaving. */
  stop(): Promise<void>;
}

export interface ClientDriver {
  readonly name: string;
  readonly idempotent: boolean;
  createTopic(topic: string, partitions: number): Promise<void>;
  /** Produces with acks=all (idempotent where the client supports it); resolves when every record is acknowledged. */
  produce(topic: string, records: KeyedRecord[]): Promise<void>;
  /**
   * Starts `members` consumers in one group reading `topic` from the committed offsets (earliest when none);
   * resolves once the group is stable: every member holds an assignment of the same generation covering all partitions.
   */
  startGroup(
    topic: string,
    groupId: string,
    members: number,
    partitions: number,
    sink: (record: ConsumedRecord) => void,
  ): Promise<RunningGroup>;
}

/**
 * Consumers long-poll with this max wait. After a group is stable, drivers wait FETCH_MAX_WAIT_MS * 2 more: a
 * fetch a member sent under its previous (larger) assignment can still be in flight, and its answer would hand
 * the member records of partitions it no longer owns (a duplicate the workload check would rightly count).
 */
export const FETCH_MAX_WAIT_MS = 500;

export function settleAfterStable(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, FETCH_MAX_WAIT_MS * 2));
}

/** Tracks the assignments members report, to tell when a group of `members` covers `partitions` in one generation. */
export class GroupStability {
  private readonly byMember = new Map<number, { generation: number; partitions: number }>();
  private readonly members: number;
  private readonly partitions: number;

  constructor(members: number, partitions: number) {
    this.members = members;
    this.partitions = partitions;
  }

  report(member: number, generation: number, partitions: number): void {
    this.byMember.set(member, { generation, partitions });
  }

  get stable(): boolean {
    if (this.byMember.size < this.members) return false;
    const all = [...this.byMember.values()];
    const generation = all[0]!.generation;
    return (
      all.every((m) => m.generation === generation) &&
      all.reduce((s, m) => s + m.partitions, 0) === this.partitions
    );
  }

  describe(): string {
    return JSON.stringify([...this.byMember.entries()]);
  }
}
