// The metadata long poll of moves' sources (GET /metadata with `movedFrom`) reads the whole cluster metadata at
// every leaders wake-up, and every stream open in the cluster is one: with many sources waiting (a drain, a
// rebalance), each open would cost one read per waiter. Waiters woken together share one read instead.
import type { ClusterMetadata } from "@cirrus/broker-api";
import type { AssignmentNotifier, Waiter } from "./assignment-notifier.ts";

interface InFlight {
  /** Registered before the read started: once it fired, the read may predate a commit a new waiter must see. */
  readonly since: Waiter;
  readonly read: Promise<ClusterMetadata>;
}

/**
 * `read(clusterId)` joins the read of that cluster in flight when no leadersChanged() fired since it started (so
 * it reflects every change announced before the caller registered its own waiter), else starts one.
 */
export class SharedMetadataReads {
  readonly #inFlight = new Map<string, InFlight>();
  readonly #notifier: AssignmentNotifier;
  readonly #readMetadata: (clusterId: string) => Promise<ClusterMetadata>;

  constructor(notifier: AssignmentNotifier, readMetadata: (clusterId: string) => Promise<ClusterMetadata>) {
    this.#notifier = notifier;
    this.#readMetadata = readMetadata;
  }

  read(clusterId: string): Promise<ClusterMetadata> {
    const current = this.#inFlight.get(clusterId);
    if (current && !current.since.fired) return current.read;
    const since = this.#notifier.leadersWaiter(clusterId);
    const entry: InFlight = {
      since,
      read: this.#readMetadata(clusterId).finally(() => {
        since.dispose();
        if (this.#inFlight.get(clusterId) === entry) this.#inFlight.delete(clusterId);
      }),
    };
    this.#inFlight.set(clusterId, entry);
    return entry.read;
  }
}
