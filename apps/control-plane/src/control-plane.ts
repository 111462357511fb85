import type { AddressInfo } from "node:net";
import { type App, type BuildOptions, build } from "./app.ts";
import { ensureFirstAdminToken } from "./auth/first-admin-token.ts";
import type { Config } from "./config.ts";
import { autoRebalanceController } from "./controllers/auto-rebalance-controller.ts";
import { brokerDrainHandler } from "./controllers/broker-drain.ts";
import { brokerLeaseController } from "./controllers/broker-lease-controller.ts";
import { type ClusterDeletionOptions, clusterDeletionHandler } from "./controllers/cluster-deletion.ts";
import { type Controller, ControllerRunner, type OperationHandler } from "./controllers/controller-runner.ts";
import {
  AdvisoryLockLeader,
  type LeaderElection,
  SingleProcessLeader,
} from "./controllers/leader-election.ts";
import { partitionAssignmentController } from "./controllers/partition-assignment-controller.ts";
import { rebalanceHandler } from "./controllers/rebalance-handler.ts";
import { retentionController } from "./controllers/retention-controller.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { sealStoredSecrets } from "./secrets/seal-stored-secrets.ts";
import type { SecretBox } from "./secrets/secret-box.ts";
import { openSecretBox } from "./secrets/secret-keys.ts";
import { unconfiguredKeyWarning } from "./secrets/unconfigured-key-warning.ts";
import { AssignmentNotifier } from "./services/assignment-notifier.ts";
import { moveLimitsOf } from "./services/move-limits.ts";

export interface ControlPlaneOptions {
  config: Readonly<Config>;
  /** An already open database (tests); otherwise config.databaseUrl is opened (and closed on close()). */
  database?: Database;
  /** More controllers (provisioner, autoscaler, failover…), run by the leader after the built-in ones. */
  controllers?: (ctx: { notifier: AssignmentNotifier }) => Controller[];
  /** Handlers of more operation types (cluster.create, cluster.update, broker.replace, broker.failover…). */
  operationHandlers?: (ctx: { notifier: AssignmentNotifier }) => OperationHandler[];
  /** The provider half of cluster deletion (see clusterDeletionHandler). */
  deprovision?: ClusterDeletionOptions["deprovision"];
  /** Simulated spot reclaim for the API (the provisioner's, local provider). */
  spotReclaimer?: BuildOptions["spotReclaimer"];
  /** Brokers' network capacity from the cluster's provider, for the balancer. */
  brokerCapacity?: BuildOptions["brokerCapacity"];
  /** POST /v1/clusters' credential check (the composition's: its provider registry's environment). */
  checkCredentials?: BuildOptions["checkCredentials"];
  /** Instance credentials only for instances of the cluster's fleet (the composition's provider lists it). */
  isFleetInstance?: BuildOptions["isFleetInstance"];
  /** The broker bundles served to stock-image brokers (the composition's). */
  brokerBundles?: BuildOptions["brokerBundles"];
  /**
   * Join the leader election (and so run controllers) only once listen() resolved, not at start: for
   * controllers that give brokers the API's address, which is known only then (port 0). Default false.
   */
  leadOnListen?: boolean;
  /** Seals the secrets it stores; default: the config's key (secrets/secret-keys.ts), refused start if required. */
  secrets?: SecretBox;
}

/**
 * The whole control plane: database (migrated), HTTP app, leader election and, on the leader, the
 * controller runner. Any replica serves the API; one runs the controllers.
 */
export class ControlPlane {
  readonly app: App;
  readonly runner: ControllerRunner;
  readonly database: Database;
  /** The first admin token's secret, when this start created it (print it once). */
  readonly firstAdminToken: string | undefined;
  readonly #leader: LeaderElection;
  readonly #ownsDatabase: boolean;
  /** Joins the leader election; undefined once done (at start, or at listen with leadOnListen). */
  #lead: (() => void) | undefined;

  private constructor(fields: {
    app: App;
    runner: ControllerRunner;
    database: Database;
    firstAdminToken: string | undefined;
    leader: LeaderElection;
    ownsDatabase: boolean;
  }) {
    this.app = fields.app;
    this.runner = fields.runner;
    this.database = fields.database;
    this.firstAdminToken = fields.firstAdminToken;
    this.#leader = fields.leader;
    this.#ownsDatabase = fields.ownsDatabase;
    this.#lead = () =>
      fields.leader.start((isLeader) => {
        if (isLeader) fields.runner.start();
        else void fields.runner.stop();
      });
  }

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const { config } = options;
    // Before the database opens: a production start without its key is refused before touching anything.
    const opened = options.secrets ? undefined : openSecretBox(config);
    const secrets = options.secrets ?? opened!.box;
    const database =
      options.database ??
      (await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize }));
    const notifier = new AssignmentNotifier();
    try {
      if (database.pool) await notifier.listen(database.pool);
      const app = await build({
        config,
        database,
        notifier,
        spotReclaimer: options.spotReclaimer,
        brokerCapacity: options.brokerCapacity,
        checkCredentials: options.checkCredentials,
        isFleetInstance: options.isFleetInstance,
        brokerBundles: options.brokerBundles,
        secrets,
      });
      const sealing = await sealStoredSecrets(database.db, secrets);
      if (sealing.sealed + sealing.resealed > 0)
        app.server.log.info(sealing, "stored secrets sealed under the current secrets key");
      for (const unreadable of sealing.unreadable)
        app.server.log.error(
          unreadable,
          `${unreadable.table} ${unreadable.id}: stored secret cannot be opened (${unreadable.reason}); ` +
            "its cluster's Kafka calls answer 503 CREDENTIAL_UNREADABLE until the key it was sealed with is configured",
        );
      const keyWarning = opened && (await unconfiguredKeyWarning(database.db, opened.source));
      if (keyWarning) app.server.log.warn(keyWarning);
      const firstAdminToken = await ensureFirstAdminToken(database.db, config.bootstrapAdminToken);
      const runner = new ControllerRunner(
        {
          db: database.db,
          now: Date.now,
          log: (message, fields) => app.server.log.info(fields ?? {}, message),
        },
        { intervalMs: config.reconcileIntervalMs, haltAfterStep: config.testHaltAfterStep },
      );
      app.context.wakeControllers = () => runner.wake();
      const moveLimits = moveLimitsOf(config);
      // Every controller's passes, failures and durations show in GET /metrics.
      const addController = (controller: Controller) =>
        runner.addController(app.context.metrics.instrumentController(controller));
      addController(
        brokerLeaseController(notifier, {
          leaseMs: config.leaseMs,
          onRenewedAfterGap: (renewed) => app.context.metrics.leasesRenewedAfterGap.inc(renewed),
        }),
      );
      addController(
        partitionAssignmentController(notifier, { moveOpenTimeoutMs: config.moveOpenTimeoutMs, moveLimits }),
      );
      addController(retentionController({ partitionMovesRetentionMs: config.partitionMovesRetentionMs }));
      if (config.autoRebalanceSettleMs > 0)
        addController(
          autoRebalanceController({
            settleMs: config.autoRebalanceSettleMs,
            intervalMs: config.balancerIntervalMs,
            config,
            capacityOf: options.brokerCapacity,
          }),
        );
      for (const controller of options.controllers?.({ notifier }) ?? []) addController(controller);
      runner.addOperationHandler(clusterDeletionHandler({ notifier, deprovision: options.deprovision }));
      runner.addOperationHandler(brokerDrainHandler(notifier, moveLimits));
      runner.addOperationHandler(rebalanceHandler(notifier, moveLimits));
      for (const handler of options.operationHandlers?.({ notifier }) ?? [])
        runner.addOperationHandler(handler);
      const leader = database.pool ? new AdvisoryLockLeader(database.pool) : new SingleProcessLeader();
      const controlPlane = new ControlPlane({
        app,
        runner,
        database,
        firstAdminToken,
        leader,
        ownsDatabase: !options.database,
      });
      if (!options.leadOnListen) controlPlane.#joinElection();
      return controlPlane;
    } catch (error) {
      await notifier.close();
      if (!options.database) await database.close();
      throw error;
    }
  }

  get isLeader(): boolean {
    return this.#leader.isLeader;
  }

  /**
   * Listens on config host:port (port 0: any free port) and returns the base URL; with leadOnListen,
   * joins the leader election once listening.
   */
  async listen(): Promise<string> {
    const { host, port } = this.app.context.config;
    await this.app.server.listen({ host, port });
    this.#joinElection();
    return this.url!;
  }

  /** http://host:port the server listens on; undefined before listen(). */
  get url(): string | undefined {
    const address = this.app.server.server.address() as AddressInfo | null;
    if (!address) return undefined;
    const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${shownHost}:${address.port}`;
  }

  #joinElection(): void {
    const lead = this.#lead;
    this.#lead = undefined;
    lead?.();
  }

  /** Stops the controllers, then the server (open long polls end), then the database. */
  async close(): Promise<void> {
    this.#lead = undefined;
    await this.runner.stop();
    await this.#leader.stop();
    await this.app.server.close();
    await this.app.context.moveCompletion.idle();
    await this.app.context.notifier.close();
    if (this.#ownsDatabase) await this.database.close();
  }
}
