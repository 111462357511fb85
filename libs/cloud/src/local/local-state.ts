import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudError, CloudErrorCode } from "../errors.ts";
import type { FleetSpec, InstanceState, Lifecycle } from "../provider.ts";

export interface LocalTermination {
  reason: "requested" | "scale-in" | "spot-reclaim" | "fleet-deleted" | "rebalance";
  /** Set while the instance waits on the fleet's termination hook. */
  hook?: { name: string; token: string; deadline: number };
  /** When SIGTERM was sent; SIGKILL follows after the grace period. */
  signalledAt?: number;
  /** Hard kill time (spot reclaim: the end of the notice window). */
  killAt?: number;
}

export interface LocalInstance {
  id: string;
  fleet: string;
  zone: string;
  instanceType: string;
  lifecycle: Lifecycle;
  state: InstanceState;
  pid: number | undefined;
  /** The fleet's slot this instance holds (lowest free at launch); its ports are the slot's (slot-ports.ts). */
  slot?: number;
  ports: { kafka: number; admin: number };
  dir: string;
  protectedFromScaleIn: boolean;
  launchedAt: number;
  terminatedAt?: number;
  /** Capacity rebalancing: a replacement is launched first, then this instance is terminated. */
  rebalancing?: boolean;
  termination?: LocalTermination;
}

export interface LocalFleet {
  spec: FleetSpec;
  status: "active" | "deleting";
  /** Its block of ports (bootstrap forwarder and slot ports), chosen once (slot-ports.ts). */
  portBlock?: number;
}

export interface LocalVolume {
  id: string;
  zone: string;
  sizeGiB: number;
  type: string;
  multiAttach: boolean;
  tags?: Record<string, string>;
  attachedTo: string[];
}

export interface LocalState {
  version: 1;
  fleets: Record<string, LocalFleet>;
  instances: Record<string, LocalInstance>;
  volumes: Record<string, LocalVolume>;
  /** clientToken → volume id, so a retried createVolume returns the first volume. */
  volumeTokens: Record<string, string>;
  /** First port of this data folder's port range, chosen once (slot-ports.ts); absent in older files. */
  portBase?: number;
}

/**
 * The local provider's state file (`<root>/state.json`). Written whole with write-then-rename, so a crash
 * leaves either the old or the new file, never a torn one. Sync I/O on purpose: the file is small and a
 * write must finish before the action it records is acted on (spawn after the instance is recorded).
 */
export class LocalStateFile {
  readonly #path: string;

  constructor(root: string) {
    mkdirSync(root, { recursive: true });
    this.#path = join(root, "state.json");
  }

  load(): LocalState {
    let text: string;
    try {
      text = readFileSync(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return { version: 1, fleets: {}, instances: {}, volumes: {}, volumeTokens: {} };
      }
      throw new CloudError(CloudErrorCode.STATE_CORRUPT, `cannot read ${this.#path}`, { cause: error });
    }
    try {
      const state = JSON.parse(text) as LocalState;
      if (state.version !== 1 || typeof state.fleets !== "object" || typeof state.instances !== "object") {
        throw new Error(`unsupported state version ${String(state.version)}`);
      }
      return state;
    } catch (error) {
      throw new CloudError(CloudErrorCode.STATE_CORRUPT, `state file ${this.#path} is not valid`, {
        cause: error,
      });
    }
  }

  /** Throws a retriable PROVIDER_ERROR if the file cannot be written (disk full, folder removed). */
  save(state: LocalState): void {
    const tmp = `${this.#path}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(state));
      renameSync(tmp, this.#path);
    } catch (error) {
      throw new CloudError(CloudErrorCode.PROVIDER_ERROR, `cannot write ${this.#path}`, {
        cause: error,
        retriable: true,
      });
    }
  }
}
