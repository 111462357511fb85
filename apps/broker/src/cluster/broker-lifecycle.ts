// The broker's lifecycle as a small closed state machine (the model: Apache Kafka's BrokerState.java and
// BrokerLifecycleManager.scala). Every transition is driven by one event:
//
//   starting ──registration answer──▶ registered ──first assignments applied──▶ serving
//   registered | serving | re-registering ──fencing (heartbeat answer 409)──▶ fenced
//   fenced ──registration answer──▶ re-registering ──storage reopened──▶ serving
//   any but stopped ──shutdown request──▶ draining ──drained (or shutdownTimeoutMs)──▶ stopped
//   starting | registered | fenced | re-registering ──start() failed──▶ stopped
//
// What each transition does, and why:
// - fenced: partitions are abandoned at once, assignment watching pauses, and the fenced epoch's storage is
//   abandoned (never shut down: the object index refuses its commits, and its WAL is exactly what the next
//   epoch replays). A stream whose open was in flight when the fencing came is refused, never served.
// - re-registering: storage is reopened under the new epoch with `requireExistingWal` (a WAL must be there:
//   never format a new one over a volume that went missing), replaying the WAL before any partition opens;
//   retried with backoff until it works, the epoch is superseded (fenced again: a late open of the old epoch
//   is abandoned, never installed) or shutdown starts. Only then does assignment watching restart.
// - draining: stop taking writes, stop watching, wait for a transition in progress, retire partitions (final
//   checkpoints), the shutdown hook, storage.shutdown() (WAL tail upload, streams closed), stop heartbeating,
//   deregister (hand-back), close the endpoints. Bounded by shutdownTimeoutMs.
// Storage changes (open, abandon, reopen) run one at a time, in order, on one chain.

import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { Clock } from "../groups/clock.ts";
import type { BrokerIdentity } from "./membership.ts";

export const BrokerState = {
  STARTING: "starting",
  REGISTERED: "registered",
  SERVING: "serving",
  FENCED: "fenced",
  RE_REGISTERING: "re-registering",
  DRAINING: "draining",
  STOPPED: "stopped",
} as const;
export type BrokerState = (typeof BrokerState)[keyof typeof BrokerState];
export const brokerStates: readonly BrokerState[] = Object.values(BrokerState);

const S = BrokerState;
/** The closed set of transitions; anything else is a programming error. */
const allowed: Readonly<Record<BrokerState, readonly BrokerState[]>> = {
  [S.STARTING]: [S.REGISTERED, S.DRAINING, S.STOPPED],
  [S.REGISTERED]: [S.SERVING, S.FENCED, S.DRAINING, S.STOPPED],
  [S.SERVING]: [S.FENCED, S.DRAINING],
  [S.FENCED]: [S.RE_REGISTERING, S.DRAINING, S.STOPPED],
  [S.RE_REGISTERING]: [S.SERVING, S.FENCED, S.DRAINING, S.STOPPED],
  [S.DRAINING]: [S.STOPPED],
  [S.STOPPED]: [],
};

/** What the lifecycle needs of a storage (s3stream's Storage). */
export interface LifecycleStorage {
  /** Lets the WAL go without uploading or closing anything (fenced). */
  abandon(): Promise<void>;
  /** Uploads the WAL tail and closes every stream (graceful). */
  shutdown(): Promise<void>;
}

export interface BrokerLifecycleOptions<St extends LifecycleStorage> {
  /** Opens storage for an epoch (replaying the WAL); `requireExistingWal` on every open after the first. */
  readonly openStorage: (identity: BrokerIdentity, options: { requireExistingWal: boolean }) => Promise<St>;
  readonly membership: {
    /** Registers (calling back registered()) and starts heartbeating. */
    start(): Promise<BrokerIdentity>;
    stop(): void;
    readonly lease: { readonly valid: boolean };
  };
  readonly watcher: {
    start(identity: BrokerIdentity): void;
    /** Stops watching until the next start(); does not wait for an application in progress. */
    pause(): void;
    stop(): Promise<void>;
    readonly version: number;
    readonly firstApplied: Promise<void>;
  };
  readonly partitions: {
    abandonAll(): void;
    retireAll(): Promise<{ written: Promise<void> }>;
  };
  /** Shutdown hook before storage closes (e.g. stop the group coordinator). */
  readonly beforeStorageShutdown?: () => Promise<void> | void;
  /** The hand-back at the end of a shutdown; failures are logged (the lease expires instead). */
  readonly deregister: (identity: BrokerIdentity) => Promise<unknown>;
  /** Last step of a shutdown: listener, admin server, object store. */
  readonly closeEndpoints: () => Promise<void>;
  readonly clock: Clock;
  readonly log: (message: string, error?: unknown) => void;
  readonly onStateChange?: (state: BrokerState, previous: BrokerState) => void;
  readonly shutdownTimeoutMs: number;
  /** start() resolves once the first assignments are applied or after this long without them. */
  readonly firstAssignmentsWaitMs?: number;
  /** Storage reopen backoff: first wait, doubled per attempt up to the max. */
  readonly reopenBackoffMs?: { readonly initial: number; readonly max: number };
}

export class BrokerLifecycle<St extends LifecycleStorage> {
  readonly #o: BrokerLifecycleOptions<St>;
  #state: BrokerState = S.STARTING;
  #identity: BrokerIdentity | undefined;
  #storage: St | undefined;
  /** Counts fencings: storage opened for an epoch fenced meanwhile must never be installed. */
  #fencings = 0;
  #chain: Promise<void> = Promise.resolve();
  #wakeBackoff: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: BrokerLifecycleOptions<St>) {
    this.#o = options;
  }

  get state(): BrokerState {
    return this.#state;
  }

  get identity(): BrokerIdentity | undefined {
    return this.#identity;
  }

  /** The storage of the current epoch; undefined while fenced, reopening, or before the first open. */
  get storage(): St | undefined {
    return this.#storage;
  }

  /** Writes may be acknowledged: registered or serving, and the lease (on its own clock) still holds. */
  canAck(): boolean {
    return (this.#state === S.SERVING || this.#state === S.REGISTERED) && this.#o.membership.lease.valid;
  }

  shuttingDown(): boolean {
    return this.#state === S.DRAINING || this.#state === S.STOPPED;
  }

  /** Why the broker should not get traffic (empty: ready). */
  readinessReasons(): string[] {
    const reasons: string[] = [];
    if (this.shuttingDown()) reasons.push("shutting down");
    else if (this.#state !== S.SERVING) reasons.push(`state ${this.#state}`);
    if (!this.#o.membership.lease.valid) reasons.push("no valid lease");
    if (this.#o.watcher.version < 0) reasons.push("assignments not applied yet");
    return reasons;
  }

  /**
   * Registers, opens storage (formatting the WAL if there is none), starts watching assignments, and
   * resolves once the first are applied or after firstAssignmentsWaitMs. On failure everything it started
   * is stopped (state stopped) and the error is rethrown.
   */
  async start(): Promise<BrokerIdentity> {
    try {
      const first = await this.#o.membership.start();
      const fencings = this.#fencings;
      await this.#enqueue(async () => {
        this.#storage = await this.#o.openStorage(first, { requireExistingWal: false });
      });
      if (this.shuttingDown())
        throw new BrokerError(BrokerErrorCode.SHUTTING_DOWN, "shut down while starting");
      // Fenced during the first open: that storage is abandoned, and re-registration reopens it and
      // restarts watching.
      if (this.#fencings !== fencings) return first;
      this.#o.watcher.start(first);
      void this.#o.watcher.firstApplied.then(() => {
        if (this.#state === S.REGISTERED) this.#to(S.SERVING);
      });
      let cancel: (() => void) | undefined;
      await Promise.race([
        this.#o.watcher.firstApplied,
        new Promise<void>((resolve) => {
          cancel = this.#o.clock.schedule(this.#o.firstAssignmentsWaitMs ?? 10_000, resolve);
        }),
      ]).finally(() => cancel?.());
      return first;
    } catch (error) {
      this.#fencings++; // nothing started under this start may land
      this.#wakeBackoff?.();
      this.#o.membership.stop();
      await this.#o.watcher.stop();
      await this.#chain;
      await this.#storage?.shutdown().catch(() => {});
      this.#storage = undefined;
      if (this.#state !== S.STOPPED) this.#to(S.STOPPED);
      throw error;
    }
  }

  /** Event: a registration answer (membership's onRegistered). */
  registered(identity: BrokerIdentity): void {
    this.#identity = identity; // also while draining: the newest incarnation is the one to deregister
    if (this.#state === S.STARTING) this.#to(S.REGISTERED);
    else if (this.#state === S.FENCED) {
      this.#to(S.RE_REGISTERING);
      const fencings = this.#fencings;
      void this.#enqueue(() => this.#reopen(identity, fencings));
    }
  }

  /** Event: a heartbeat was answered "fenced" (membership's onFenced; it re-registers once this resolves). */
  fenced(identity: BrokerIdentity): Promise<void> {
    this.#o.partitions.abandonAll();
    this.#fencings++;
    this.#wakeBackoff?.();
    const state = this.#state;
    if (state === S.REGISTERED || state === S.SERVING || state === S.RE_REGISTERING) {
      this.#to(S.FENCED);
      this.#o.watcher.pause();
    } else {
      // Draining: too late to serve again; what the storage holds is replayed by the WAL's next owner.
      this.#o.log(`epoch ${identity.epoch} fenced while ${state}; abandoning its storage`);
    }
    return this.#enqueue(() => this.#abandonStorage());
  }

  /** Event: a partition was dropped after a failed append: re-apply the assignments of this epoch. */
  partitionDropped(): void {
    const identity = this.#identity;
    if (identity && (this.#state === S.SERVING || this.#state === S.REGISTERED))
      this.#o.watcher.start(identity);
  }

  /**
   * Runs `use` with the current epoch's storage (e.g. to open a stream for a partition), and refuses its
   * result if the epoch was fenced meanwhile: a stream of an abandoned storage must never be served.
   */
  async useStorage<T>(use: (storage: St) => Promise<T>): Promise<T> {
    const storage = this.#storage;
    const fencings = this.#fencings;
    if (!storage || this.shuttingDown()) {
      throw new BrokerError(BrokerErrorCode.SHUTTING_DOWN, `storage is not open (${this.#state})`);
    }
    const result = await use(storage);
    if (this.#fencings !== fencings || this.#storage !== storage) {
      throw new BrokerError(BrokerErrorCode.FENCED, "the epoch was fenced while its storage was in use");
    }
    return result;
  }

  /** Event: shutdown request. Resolves when drained or after shutdownTimeoutMs. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const cancel = this.#o.clock.schedule(this.#o.shutdownTimeoutMs, () => {
        this.#o.log(`shutdown did not finish within ${this.#o.shutdownTimeoutMs} ms; stopping anyway`);
        finish();
      });
      const finish = () => {
        cancel();
        if (this.#state === S.DRAINING) this.#to(S.STOPPED);
        resolve();
      };
      this.#drain()
        .catch((error: unknown) => this.#o.log("shutdown failed", error))
        .finally(finish);
    });
    return this.#closing;
  }

  async #drain(): Promise<void> {
    this.#to(S.DRAINING); // no new writes from here on
    this.#wakeBackoff?.();
    await this.#o.watcher.stop();
    await this.#chain;
    // Requests for these partitions now get NOT_LEADER_OR_FOLLOWER; waiting fetches answer. Their final
    // checkpoints are written while the streams are uploaded and closed.
    const checkpoints = await this.#o.partitions.retireAll();
    await this.#o.beforeStorageShutdown?.();
    // Uploads the WAL tail in one go and closes every stream in the object index (the hand-back). A storage
    // abandoned by a fencing during the drain is gone already (its commits would be refused).
    await this.#storage
      ?.shutdown()
      .catch((error: unknown) =>
        this.#o.log("storage shutdown failed; the WAL keeps what was not uploaded", error),
      );
    await checkpoints.written;
    this.#o.membership.stop();
    // Every stream is closed, so the control plane may reassign the partitions now rather than after the
    // lease expires. Best effort: if it fails, lease expiry and failover still follow.
    const identity = this.#identity;
    if (identity) {
      await this.#o
        .deregister(identity)
        .catch((error: unknown) => this.#o.log("deregister failed; the lease will expire instead", error));
    }
    await this.#o.closeEndpoints();
  }

  /** Reopens storage for `identity`, retrying until it works, the epoch is fenced again, or shutdown. */
  async #reopen(identity: BrokerIdentity, fencings: number): Promise<void> {
    const backoff = this.#o.reopenBackoffMs ?? { initial: 200, max: 5_000 };
    for (let attempt = 0; this.#fencings === fencings && !this.shuttingDown(); attempt++) {
      let opened: St;
      try {
        opened = await this.#o.openStorage(identity, { requireExistingWal: true });
      } catch (error) {
        this.#o.log(
          `reopening storage for epoch ${identity.epoch} failed (attempt ${attempt + 1}); retrying`,
          error,
        );
        await this.#sleep(Math.min(backoff.max, backoff.initial * 2 ** attempt));
        continue;
      }
      if (this.#fencings !== fencings) {
        // Fenced again while this open ran: its epoch is gone, and so is this storage.
        await opened
          .abandon()
          .catch((error: unknown) => this.#o.log("abandoning a stale reopen failed", error));
        return;
      }
      // Installed even if shutdown started meanwhile: the drain shuts it down like any other.
      this.#storage = opened;
      if (this.#state !== S.RE_REGISTERING) return;
      this.#o.watcher.start(identity);
      this.#to(S.SERVING);
      return;
    }
  }

  async #abandonStorage(): Promise<void> {
    const old = this.#storage;
    this.#storage = undefined;
    await old
      ?.abandon()
      .catch((error: unknown) => this.#o.log("releasing the WAL of the fenced epoch failed", error));
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(step);
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Waits `ms` on the clock; a fencing or a shutdown request cuts it short. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        cancel();
        if (this.#wakeBackoff === wake) this.#wakeBackoff = undefined;
        resolve();
      };
      const cancel = this.#o.clock.schedule(ms, wake);
      this.#wakeBackoff = wake;
    });
  }

  #to(next: BrokerState): void {
    const previous = this.#state;
    if (!allowed[previous].includes(next)) {
      throw new Error(`broker lifecycle: no transition ${previous} → ${next}`);
    }
    this.#state = next;
    this.#o.onStateChange?.(next, previous);
  }
}
