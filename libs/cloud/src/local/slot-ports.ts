import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { CloudError, CloudErrorCode } from "../errors.ts";
import type { LocalInstance, LocalState } from "./local-state.ts";

/**
 * Fixed ports per broker slot, so that a Kafka client keeps working across broker replacements and restarts:
 * it bootstraps once and then connects to the addresses brokers advertise, which must not move.
 *
 * Layout: a data folder picks a base port once (stored in its state); each fleet gets a block of
 * FLEET_BLOCK_PORTS ports from it, also once: block port 0 is the fleet's bootstrap forwarder, slot s has
 * Kafka at 2 + 2s and admin/metrics at 3 + 2s. Every port stays below Linux's ephemeral range (32768+), so
 * outgoing connections of this machine never take a port of a stopped broker.
 */
export const FLEET_BLOCK_PORTS = 256;
export const MAX_SLOTS = (FLEET_BLOCK_PORTS - 2) / 2;
export const MAX_FLEET_BLOCKS = 16;
const BASE_MIN = 10_000;
const BASE_MAX = 32_768 - MAX_FLEET_BLOCKS * FLEET_BLOCK_PORTS;
/** Ports checked free when a base is chosen: the first fleet's forwarder and its first slots. */
const PROBED_PORTS = 2 + 2 * 8;

export interface SlotPorts {
  kafka: number;
  admin: number;
}

export function blockStart(base: number, block: number): number {
  return base + block * FLEET_BLOCK_PORTS;
}

export function bootstrapPortOf(base: number, block: number): number {
  return blockStart(base, block);
}

export function slotPortsOf(base: number, block: number, slot: number): SlotPorts {
  const start = blockStart(base, block) + 2 + 2 * slot;
  return { kafka: start, admin: start + 1 };
}

/** The fleet's stable bootstrap address (127.0.0.1:port), once its ports are chosen. */
export function bootstrapAddressOf(state: LocalState, fleet: string): string | undefined {
  const block = state.fleets[fleet]?.portBlock;
  if (state.portBase === undefined || block === undefined) return undefined;
  return `127.0.0.1:${bootstrapPortOf(state.portBase, block)}`;
}

/**
 * The stable bootstrap address of a fleet of the local provider on `dataDir`, read from its state file
 * without opening the provider (which another process may hold): for tools and tests beside `npm start`.
 * undefined when the folder, the fleet or its ports do not exist yet.
 */
export function readLocalBootstrapAddress(dataDir: string, fleet: string): string | undefined {
  try {
    const state = JSON.parse(readFileSync(join(dataDir, "cloud-local", "state.json"), "utf8")) as LocalState;
    return bootstrapAddressOf(state, fleet);
  } catch {
    return undefined;
  }
}

/** True when nothing listens on 127.0.0.1:port (a bind succeeds). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The data folder's base port: the stored one, or a new one chosen now (random, its first ports free) and
 * stored by the caller's next save. Chosen once: a port taken later fails that launch instead of moving.
 */
export async function ensurePortBase(state: LocalState): Promise<number> {
  if (state.portBase !== undefined) return state.portBase;
  const span = (BASE_MAX - BASE_MIN) / 2;
  for (let attempt = 0; attempt < 64; attempt++) {
    const base = BASE_MIN + 2 * Math.floor(Math.random() * span);
    const ports = Array.from({ length: PROBED_PORTS }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) {
      // Another tick may have chosen one while this one probed: the first stays.
      state.portBase ??= base;
      return state.portBase;
    }
  }
  throw new CloudError(CloudErrorCode.LAUNCH_FAILED, "no free port range below 32768 for local brokers");
}

/** The fleet's port block: the stored one, or the lowest one no other fleet of this folder holds. */
export function ensurePortBlock(state: LocalState, fleet: string): number {
  const record = state.fleets[fleet];
  if (!record) throw new CloudError(CloudErrorCode.FLEET_NOT_FOUND, `fleet ${fleet} not found`);
  if (record.portBlock !== undefined) return record.portBlock;
  const taken = new Set(Object.values(state.fleets).map((f) => f.portBlock));
  for (let block = 0; block < MAX_FLEET_BLOCKS; block++) {
    if (taken.has(block)) continue;
    record.portBlock = block;
    return block;
  }
  throw new CloudError(
    CloudErrorCode.LAUNCH_FAILED,
    `no port block left for fleet ${fleet}: a data folder holds at most ${MAX_FLEET_BLOCKS} local fleets`,
  );
}

/** The lowest slot no instance of the fleet holds (pending, running or still terminating). */
export function lowestFreeSlot(instances: readonly LocalInstance[], fleet: string): number {
  const held = new Set(
    instances.filter((i) => i.fleet === fleet && i.state !== "terminated").map((i) => i.slot),
  );
  let slot = 0;
  while (held.has(slot)) slot++;
  if (slot >= MAX_SLOTS)
    throw new CloudError(
      CloudErrorCode.LAUNCH_FAILED,
      `fleet ${fleet} has no free slot: a local fleet runs at most ${MAX_SLOTS} brokers`,
    );
  return slot;
}

/** Throws LAUNCH_FAILED naming the port when another process holds one of the slot's ports. */
export async function assertSlotPortsFree(fleet: string, slot: number, ports: SlotPorts): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portIsFree(port)))
      throw new CloudError(
        CloudErrorCode.LAUNCH_FAILED,
        `port ${port} (${name} of slot ${slot} of fleet ${fleet}) is taken by another process: ` +
          "local brokers keep their slot's ports, free it to launch this slot",
      );
  }
}
