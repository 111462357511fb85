// What the consumer-group integration tests share: a real control plane and a broker that can be
// restarted on the same data, and the exactly-once / in-order checks every client must pass.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { BrokerHandle } from "../../src/index.ts";
import { startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

export const PARTITIONS = 12;
export const KEYS = 97;
/** Records of the first round, and of the round produced after the broker restart. */
export const RECORDS = 3_000;
export const MORE = 600;

export interface Received {
  member: number;
  partition: number;
  offset: number;
  key: string;
  value: number;
}

export interface GroupFixture {
  broker(): BrokerHandle;
  restart(): Promise<BrokerHandle>;
  close(): Promise<void>;
}

export async function startGroupFixture(instanceId: string): Promise<GroupFixture> {
  // A shorter initial rebalance delay than Kafka's 3 s keeps the suite quick (members still join within it).
  const settings = { groupInitialRebalanceDelayMs: 1000 };
  const cp: TestControlPlane = await startControlPlane();
  let broker = await startTestBroker(cp, instanceId, settings);
  return {
    broker: () => broker,
    async restart() {
      await broker.close();
      broker = await startTestBroker(cp, instanceId, settings);
      return broker;
    },
    async close() {
      await broker.close();
      await cp.close();
    },
  };
}

/**
 * Registers before/after hooks in the current file that start a group fixture and close it; the handle
 * returned delegates to it (use it inside tests only).
 */
export function useGroupFixture(instanceId: string): GroupFixture {
  let fixture: GroupFixture | undefined;
  before(async () => {
    fixture = await startGroupFixture(instanceId);
  });
  after(() => fixture?.close());
  const current = (): GroupFixture => {
    if (!fixture) throw new Error("the group fixture is only started inside the file's tests");
    return fixture;
  };
  return {
    broker: () => current().broker(),
    restart: () => current().restart(),
    close: () => current().close(),
  };
}

export async function waitFor(condition: () => boolean, what: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Follows the members' group joins: `settled` resolves once every one of `count` members joined the same
 * generation and that generation assigned all PARTITIONS among them. Call `joined` from each client's
 * join event with the member's index, the generation and how many partitions it was given.
 */
export function generationTracker(count: number): {
  joined(member: number, generation: number, partitions: number): void;
  settled: Promise<void>;
} {
  const assigned = new Map<number, { generation: number; partitions: number }>();
  let resolveSettled: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    resolveSettled = resolve;
  });
  return {
    settled,
    joined(member, generation, partitions) {
      assigned.set(member, { generation, partitions });
      const all = [...assigned.values()];
      const total = all.reduce((n, a) => n + a.partitions, 0);
      if (all.length === count && new Set(all.map((a) => a.generation)).size === 1 && total === PARTITIONS) {
        resolveSettled();
      }
    },
  };
}

/** Lets fetches that long-poll since an earlier generation lapse before any record exists. */
export function letStaleFetchesLapse(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1_000));
}

/**
 * Waits (up to 60 s) until `received` holds `count` records, then 500 ms more so that a record delivered
 * twice would show up in the exactly-once check that follows.
 */
export async function awaitRecords(
  received: readonly Received[],
  count: number,
  what: string,
): Promise<void> {
  await waitFor(
    () => received.length >= count,
    () => `${count} ${what} (have ${received.length})`,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 500));
}

/** Record `i` of a run: its key spreads records over the partitions; the value is its index. */
export function recordAt(i: number): { key: string; value: string } {
  return { key: `key-${i % KEYS}`, value: String(i) };
}

/**
 * Every record of [from, to) arrived exactly once; each partition was read by one member, at consecutive
 * offsets from `firstOffset` on; each key's values arrived in send order; `members` members took part.
 */
export function assertExactlyOnceInOrder(
  received: readonly Received[],
  from: number,
  to: number,
  members: number,
): void {
  assert.equal(received.length, to - from, "no record twice, none missing");
  assert.deepEqual(
    received.map((r) => r.value).sort((a, b) => a - b),
    Array.from({ length: to - from }, (_, i) => from + i),
  );
  assert.equal(new Set(received.map((r) => r.member)).size, members, `${members} member(s) consumed`);
  for (let p = 0; p < PARTITIONS; p++) {
    const inPartition = received.filter((r) => r.partition === p);
    const offsets = inPartition.map((r) => r.offset);
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => (offsets[0] ?? 0) + i),
      `partition ${p} at consecutive offsets`,
    );
    assert.ok(new Set(inPartition.map((r) => r.member)).size <= 1, `partition ${p} read by one member`);
  }
  for (let k = 0; k < KEYS; k++) {
    const values = received.filter((r) => r.key === `key-${k}`).map((r) => r.value);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      `key-${k} in send order`,
    );
  }
}
