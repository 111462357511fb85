import { resolve } from "node:path";
import type { CloudProvider, ProviderConfig } from "@cirrus/cloud";
import type { BrokerBundle } from "./broker-bundle/broker-bundle.ts";
import { type BrokerBundleSupply, readyBrokerBundle } from "./broker-bundle/broker-bundle-supply.ts";
import type { Config } from "./config.ts";
import { ControlPlane } from "./control-plane.ts";
import { createAutoscaler } from "./controllers/autoscaler/index.ts";
import type { Controller, OperationHandler } from "./controllers/controller-runner.ts";
import { failoverHandler } from "./controllers/failover/failover-handler.ts";
import { spotNoticeController } from "./controllers/failover/spot-notice-controller.ts";
import type { BrokerLaunchOptions } from "./controllers/provisioner/broker-launch.ts";
import { fleetNameOf } from "./controllers/provisioner/cluster-fleet.ts";
import {
  assertProviderCredentials,
  createProviderRegistry,
  type ProviderRegistry,
} from "./controllers/provisioner/provider-registry.ts";
import {
  createProvisioner,
  type Provisioner,
  type ProvisionerOptions,
} from "./controllers/provisioner/provisioner.ts";
import { localSpotReclaimer } from "./controllers/provisioner/spot-reclaim.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { openSecretBox } from "./secrets/secret-keys.ts";
import type { AssignmentNotifier } from "./services/assignment-notifier.ts";
import { providerBaselineCapacity } from "./services/balancer-settings.ts";

/** What the controllers and operation handlers below are built from. */
interface Parts {
  config: Readonly<Config>;
  notifier: AssignmentNotifier;
  providers: ProviderRegistry;
  provisioner: Provisioner;
}

/**
 * The controllers the leader runs besides ControlPlane.start's own (broker-lease, partition-assignment,
 * retention, auto-rebalance: those need the database only). A new controller: one line here.
 */
function controllersOf({ config, providers, provisioner }: Parts): Controller[] {
  return [
    ...provisioner.controllers(), // provisioner: steady loop (fleets, capacity, cluster.repair records)
    spotNoticeController(providers), // failover: spot interruption notices → broker.drain
    createAutoscaler({ providers, brokerNetworkBytesPerSec: config.brokerNetworkBytesPerSec }).controller(), // network watermarks → scale-out/in
  ];
}

/**
 * The operation handlers besides ControlPlane.start's own (cluster.delete, broker.drain, cluster.rebalance).
 * Every operation type the API or a controller creates must have one (test/composition.test.ts checks it),
 * or its operations stay PENDING forever. A new operation type: one line here.
 */
function operationHandlersOf({ notifier, providers, provisioner }: Parts): OperationHandler[] {
  return [
    ...provisioner.operationHandlers({ notifier }), // cluster.create, cluster.update, broker.replace
    failoverHandler({ providers, notifier }), // broker.failover (created by the broker-lease controller)
    ...createAutoscaler({ providers }).operationHandlers(notifier), // cluster.scale-out/in
  ];
}

export interface CompositionOptions {
  /** An already open database (left open by close()); otherwise config.databaseUrl is opened and closed. */
  database?: Database;
  /** Provider credentials (ALIBABA_CLOUD_ACCESS_KEY_ID…; aws uses the SDK's chain). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * How brokers are started, but for their control-plane URL (config.advertisedUrl, else the address
   * listen() bound). scripts/start.ts names `brokerEntry`; without it broker-launch.ts resolves it by name.
   */
  launch?: Omit<BrokerLaunchOptions, "controlPlaneUrl">;
  /**
   * The broker bundle cloud brokers boot from on a stock image (served at /internal/v1/broker-bundle/{sha256}):
   * built with broker-bundle/build-broker-bundle.ts or an operator's (loadBrokerBundle). Ignored by brokers
   * launched with launch.cloudCommand (an operator's own image).
   */
  brokerBundle?: BrokerBundle;
  /**
   * Instead of `brokerBundle`: one still being built (main.ts builds in the background). The API serves and
   * local fleets launch at once; a cloud fleet's launch waits for it, and fails (retriable) if the build failed.
   */
  brokerBundleSupply?: BrokerBundleSupply;
  /** The steady loop starts no local broker (npm start with CIRRUS_START_BROKERS=0). */
  holdLocalFleets?: boolean;
  /** Builds each provider (tests inject fakes); default @cirrus/cloud's createProvider. */
  createProvider?: (config: ProviderConfig) => CloudProvider;
  /**
   * The provisioner's least time between two looks at one cluster, per provider (default local 1 s, clouds
   * 15 s: their APIs are rate limited); an emulated cloud's tests shorten it.
   */
  provisionerIntervalMs?: ProvisionerOptions["minIntervalMs"];
}

/** The whole control plane of one process: API, every controller and operation handler, the providers. */
export interface ComposedControlPlane {
  readonly controlPlane: ControlPlane;
  readonly provisioner: Provisioner;
  /** The providers the clusters' specs asked for, created on first use (the local one under config.dataDir). */
  readonly providers: ProviderRegistry;
  readonly database: Database;
  /**
   * Listens on config host:port (0: any free port), then joins the leader election: controllers run only
   * once the address brokers are given is known. Returns the API's URL.
   */
  listen(): Promise<string>;
  /**
   * Stops the controllers and the API, closes every provider the registry created (cloud resources and
   * local brokers keep running: the next start adopts them), then the database if it opened it.
   */
  close(): Promise<void>;
}

/**
 * The control plane with everything it runs: what `src/main.ts` starts in production and `npm start`
 * (controllers/provisioner/local-system.ts) with local defaults. Clusters of any provider in their spec are
 * provisioned, failed over and deleted by this one process (or by its leader, with replicas).
 *
 * Brokers are given config.advertisedUrl, else the URL listen() bound; a local fleet keeps the URL it was
 * created with, so a control plane restarted on a data folder must come back at the same address.
 */
export async function composeControlPlane(
  config: Readonly<Config>,
  options: CompositionOptions = {},
): Promise<ComposedControlPlane> {
  // A production start without its secrets key is refused before the database is opened (or migrated).
  openSecretBox(config);
  const database =
    options.database ?? (await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize }));
  let controlPlane: ControlPlane | undefined;
  const { brokerBundle } = options;
  // One path for both: a bundle given ready is a supply that is there already.
  const supply = options.brokerBundleSupply ?? (brokerBundle ? readyBrokerBundle(brokerBundle) : undefined);
  const launch: BrokerLaunchOptions = {
    ...(supply ? { bundleReady: () => supply.ready() } : {}),
    ...options.launch,
    get controlPlaneUrl(): string {
      const url = config.advertisedUrl ?? controlPlane?.url;
      // Not reached: controllers (which launch brokers) run only once listen() bound the address.
      if (!url) throw new Error("brokers are launched only once the control plane listens");
      return url;
    },
  };
  const providers = createProviderRegistry({
    localDataDir: resolve(config.dataDir),
    env: options.env,
    create: options.createProvider,
  });
  const provisioner = createProvisioner({
    db: database.db,
    launch,
    providers,
    holdLocalFleets: options.holdLocalFleets,
    minIntervalMs: options.provisionerIntervalMs,
  });
  try {
    controlPlane = await ControlPlane.start({
      config,
      database,
      leadOnListen: true,
      controllers: ({ notifier }) => controllersOf({ config, notifier, providers, provisioner }),
      operationHandlers: ({ notifier }) => operationHandlersOf({ config, notifier, providers, provisioner }),
      deprovision: provisioner.deprovision,
      spotReclaimer: localSpotReclaimer(database.db, providers),
      brokerCapacity: providerBaselineCapacity(providers), // the balancer's broker capacity
      // What POST /v1/clusters checks is what the provider registry will use: this composition's env.
      checkCredentials: (spec) => assertProviderCredentials(spec, options.env ?? process.env),
      ...(supply ? { brokerBundles: () => [supply.current()].filter((b) => b !== undefined) } : {}),
      // A signed identity proves "an instance of this cloud"; only the cluster's own fleet gets a credential.
      isFleetInstance: async (clusterId, spec, instanceId) =>
        (await providers.providerFor(spec).listInstances(fleetNameOf(clusterId))).some(
          (i) => i.id === instanceId,
        ),
    });
  } catch (error) {
    await provisioner.close();
    if (!options.database) await database.close();
    throw error;
  }
  const started = controlPlane;
  return {
    controlPlane: started,
    provisioner,
    providers,
    database,
    listen: () => started.listen(),
    async close() {
      await started.close();
      await provisioner.close();
      if (!options.database) await database.close();
    },
  };
}
