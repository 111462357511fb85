// Long-polls the control plane for this broker's assignments and applies each new version to the
// partition registry. Level-triggered: a failed open is retried by re-applying the same version.
import type { Assignments, WatchAssignmentsOptions } from "@cirrus/broker-api";
import type { BrokerIdentity } from "./membership.ts";

export interface AssignmentSource {
  watchAssignments(brokerId: number, options: WatchAssignmentsOptions): Promise<Assignments>;
}

export interface AssignmentWatcherOptions {
  readonly source: AssignmentSource;
  /** Applies one version; anything in `failed` makes the watcher apply the same version again later. */
  readonly apply: (
    assignments: Assignments,
  ) => Promise<{ readonly failed: readonly { readonly error: unknown }[] }>;
  readonly log: (message: string, error?: unknown) => void;
  readonly waitMs?: number;
  readonly retryMs?: number;
}

export class AssignmentWatcher {
  readonly #options: AssignmentWatcherOptions;
  #identity: BrokerIdentity | undefined;
  #version = -1;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #firstApplied: Promise<void>;
  #resolveFirst!: () => void;

  constructor(options: AssignmentWatcherOptions) {
    this.#options = options;
    this.#firstApplied = new Promise((resolve) => {
      this.#resolveFirst = resolve;
    });
  }

  /** The last version applied completely (-1 before the first). */
  get version(): number {
    return this.#version;
  }

  /** Resolves once the first assignments were applied (readiness). */
  get firstApplied(): Promise<void> {
    return this.#firstApplied;
  }

  /** (Re)starts watching with this identity: a new epoch starts from the current assignments. No-op after stop(). */
  start(identity: BrokerIdentity): void {
    if (this.#stopped) return;
    this.#abort?.abort();
    this.#identity = identity;
    this.#version = -1;
    const abort = new AbortController();
    this.#abort = abort;
    const previous = this.#loop ?? Promise.resolve();
    this.#loop = previous.then(() => this.#run(identity, abort.signal));
  }

  /**
   * Stops watching until the next start() (fenced: this epoch's assignments no longer apply); nudges are
   * ignored meanwhile. Does not wait for an application in progress: whoever pauses must make sure what it
   * opens is not served (BrokerLifecycle.useStorage refuses streams of a fenced epoch).
   */
  pause(): void {
    this.#abort?.abort();
    this.#identity = undefined;
    this.#version = -1;
  }

  /**
   * Ends watching for good. Final: a nudge() or start() afterwards does nothing. (The broker keeps
   * heartbeating while it shuts down; a heartbeat answered then announces new versions, and a restarted
   * loop would poll a gone control plane forever, keeping the process alive.)
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    await this.#loop;
  }

  /** Ask at once instead of waiting for the long poll (a heartbeat announced a newer version). */
  nudge(version: number): void {
    if (version > this.#version && this.#identity) this.start(this.#identity);
  }

  async #run(identity: BrokerIdentity, signal: AbortSignal): Promise<void> {
    const retryMs = this.#options.retryMs ?? 1_000;
    while (!signal.aborted) {
      try {
        const assignments = await this.#options.source.watchAssignments(identity.brokerId, {
          epoch: identity.epoch,
          after: this.#version,
          waitMs: this.#options.waitMs ?? 25_000,
          signal,
        });
        if (signal.aborted) return;
        if (assignments.version === this.#version) continue;
        const result = await this.#options.apply(assignments);
        // Paused or restarted under another epoch while applying: this version is not that epoch's.
        if (signal.aborted && this.#identity !== identity) return;
        if (result.failed.length > 0) {
          this.#options.log(
            `assignments v${assignments.version}: ${result.failed.length} steps failed, retrying`,
            result.failed[0]?.error,
          );
          await sleep(retryMs, signal);
          continue; // version not recorded: the same assignments are fetched and applied again
        }
        this.#version = assignments.version;
        this.#resolveFirst();
      } catch (error) {
        if (signal.aborted) return;
        this.#options.log("watching assignments failed", error);
        await sleep(retryMs, signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
