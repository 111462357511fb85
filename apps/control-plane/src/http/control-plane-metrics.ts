// The control plane's Prometheus metrics (GET /metrics), on a registry of its own: several control planes
// can share a process in tests. The broker's metrics are on each broker's admin port, not here.
import { count } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Controller } from "../controllers/controller-runner.ts";
import type { Db } from "../db/database.ts";
import { brokers, operations } from "../db/schema.ts";

const PREFIX = "cirrus_control_plane_";
/** Seconds. Assignment watches are long polls of up to 60 s, hence the top buckets. */
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PASS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];
/** The route label of requests no route matched (keeps the label set bounded whatever URLs are sent). */
export const UNMATCHED_ROUTE = "unmatched";

type RequestLabels = "method" | "route" | "status_code";

/**
 * HTTP requests and controller passes are counted as they happen; operations and brokers are read from
 * the database at scrape time (two grouped counts: the operations one is covered by its (status, type)
 * index). A scrape whose database reads fail still answers, without the series it could not read, and
 * counts each failed read in cirrus_control_plane_metrics_database_errors_total.
 */
export class ControlPlaneMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<RequestLabels>;
  readonly #requestSeconds: Histogram<RequestLabels>;
  /** Label sets resolved once: prom-client hashes labels on every call otherwise. */
  readonly #requestCells = new Map<
    string,
    { count: Counter.Internal; seconds: Histogram.Internal<RequestLabels> }
  >();
  readonly #passes: Counter<"controller">;
  readonly #failures: Counter<"controller">;
  readonly #passSeconds: Histogram<"controller">;
  /** Leases the lease controller renewed after a gap in watching them (a control-plane outage it spared). */
  readonly leasesRenewedAfterGap: Counter;

  constructor(db: Db) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: "HTTP requests answered, by method, route template and status code",
      labelNames: ["method", "route", "status_code"],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: "Time from receiving an HTTP request to answering it, by method, route template and status code",
      labelNames: ["method", "route", "status_code"],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#passes = new Counter({
      name: `${PREFIX}controller_reconcile_passes_total`,
      help: "Reconcile passes of each controller on the leader, failed ones included",
      labelNames: ["controller"],
      registers,
    });
    this.#failures = new Counter({
      name: `${PREFIX}controller_reconcile_failures_total`,
      help: "Reconcile passes of each controller that threw",
      labelNames: ["controller"],
      registers,
    });
    this.#passSeconds = new Histogram({
      name: `${PREFIX}controller_reconcile_duration_seconds`,
      help: "Duration of each controller's reconcile passes",
      labelNames: ["controller"],
      buckets: PASS_BUCKETS,
      registers,
    });
    this.leasesRenewedAfterGap = new Counter({
      name: `${PREFIX}leases_renewed_after_gap_total`,
      help: "Broker leases renewed instead of fenced because they ran out while the control plane could not watch (a start, a new leader, a pause, a database outage)",
      registers,
    });
    const databaseErrors = new Counter({
      name: `${PREFIX}metrics_database_errors_total`,
      help: "Failed database reads of the scrape-time series (operations, brokers): those were left out",
      registers,
    });
    new Gauge({
      name: `${PREFIX}operations`,
      help: "Operations kept in the database, by type and status (read at scrape time)",
      labelNames: ["type", "status"],
      registers,
      async collect() {
        this.reset();
        const rows = await readOrCount(databaseErrors, () =>
          db
            .select({ type: operations.type, status: operations.status, n: count() })
            .from(operations)
            .groupBy(operations.status, operations.type),
        );
        for (const row of rows) this.set({ type: row.type, status: row.status }, row.n);
      },
    });
    new Gauge({
      name: `${PREFIX}brokers`,
      help: "Registered brokers, by cluster id and state (read at scrape time)",
      labelNames: ["cluster_id", "state"],
      registers,
      async collect() {
        this.reset();
        const rows = await readOrCount(databaseErrors, () =>
          db
            .select({ clusterId: brokers.clusterId, state: brokers.state, n: count() })
            .from(brokers)
            .groupBy(brokers.clusterId, brokers.state),
        );
        for (const row of rows) this.set({ cluster_id: row.clusterId, state: row.state }, row.n);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every series. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** One answered request; `route` is the route's template ("/v1/clusters/:id"), undefined if none matched. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    const key = `${method} ${route ?? ""} ${statusCode}`;
    let cell = this.#requestCells.get(key);
    if (!cell) {
      const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) };
      cell = { count: this.#requests.labels(labels), seconds: this.#requestSeconds.labels(labels) };
      this.#requestCells.set(key, cell);
    }
    cell.count.inc();
    cell.seconds.observe(seconds);
  }

  /**
   * The same controller, its passes counted and timed (add this to the ControllerRunner instead of the
   * controller itself). A pass that throws counts as a failure and is rethrown to the runner unchanged.
   */
  instrumentController(controller: Controller): Controller {
    const labels = { controller: controller.name };
    const passes = this.#passes.labels(labels);
    const failures = this.#failures.labels(labels);
    const seconds = this.#passSeconds.labels(labels);
    // Both series exist from the start: a failure rate reads 0, not "no data", until something fails.
    passes.inc(0);
    failures.inc(0);
    return {
      name: controller.name,
      async reconcile(ctx) {
        const started = performance.now();
        try {
          await controller.reconcile(ctx);
        } catch (error) {
          failures.inc();
          throw error;
        } finally {
          passes.inc();
          seconds.observe((performance.now() - started) / 1000);
        }
      },
    };
  }
}

async function readOrCount<T>(errors: Counter, read: () => Promise<T[]>): Promise<T[]> {
  try {
    return await read();
  } catch {
    errors.inc();
    return [];
  }
}
