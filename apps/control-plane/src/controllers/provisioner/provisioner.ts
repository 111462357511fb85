import { CloudErrorCode, isCloudError } from "@cirrus/cloud";
import { ne } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { clusters } from "../../db/schema.ts";
import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import type { Controller, OperationHandler } from "../controller-runner.ts";
import type { BrokerLaunchOptions } from "./broker-launch.ts";
import { brokerReplaceHandler } from "./broker-replace.ts";
import { type ProvisionerDeps, providerOf, specOf, tcpProbe } from "./cluster-convergence.ts";
import { fleetNameOf } from "./cluster-fleet.ts";
import {
  type ClusterHandlerOptions,
  clusterCreateHandler,
  clusterUpdateHandler,
} from "./cluster-handlers.ts";
import { deprovisionStep } from "./deprovision.ts";
import {
  createProviderRegistry,
  type ProviderRegistry,
  type ProviderRegistryOptions,
} from "./provider-registry.ts";
import { type ProvisionerControllerOptions, provisionerController } from "./provisioner-controller.ts";
import { releaseHandedBackVolumes } from "./wal-volume-release.ts";

export interface ProvisionerOptions extends ClusterHandlerOptions, ProvisionerControllerOptions {
  db: Db;
  launch: BrokerLaunchOptions;
  /** The providers (default: a registry built from `providerRegistry`). */
  providers?: ProviderRegistry;
  providerRegistry?: ProviderRegistryOptions;
  probeKafka?: ProvisionerDeps["probeKafka"];
}

/** The provisioner's parts, to hand to ControlPlane.start (controllers, operationHandlers, deprovision). */
export interface Provisioner {
  readonly providers: ProviderRegistry;
  controllers(): Controller[];
  /** cluster.create, cluster.update and broker.replace. */
  operationHandlers(ctx: { notifier: AssignmentNotifier }): OperationHandler[];
  deprovision: ReturnType<typeof deprovisionStep>;
  /**
   * What a steady pass does to WAL volumes of brokers that handed back and are gone (wal-volume-release.ts),
   * for every cluster on `provider` that is not being deleted, for callers whose controllers are stopped:
   * `npm start`'s shutdown once its brokers exited. Returns the ids deleted.
   */
  releaseVolumes(provider?: ClusterSpec["provider"]): Promise<string[]>;
  /** Closes the providers (cloud resources and local brokers keep running). */
  close(): Promise<void>;
}

export function createProvisioner(options: ProvisionerOptions): Provisioner {
  const providers =
    options.providers ?? createProviderRegistry(options.providerRegistry ?? { localDataDir: "./data" });
  const deps: ProvisionerDeps = {
    db: options.db,
    providers,
    launch: options.launch,
    probeKafka: options.probeKafka ?? ((host, port) => tcpProbe(host, port)),
  };
  return {
    providers,
    controllers: () => [provisionerController(deps, options)],
    operationHandlers: ({ notifier }) => [
      clusterCreateHandler(deps, options),
      clusterUpdateHandler(deps, options),
      brokerReplaceHandler(deps, notifier),
    ],
    deprovision: deprovisionStep(deps),
    async releaseVolumes(provider) {
      const rows = await options.db.select().from(clusters).where(ne(clusters.state, "DELETING"));
      const released: string[] = [];
      for (const cluster of rows) {
        if (provider && specOf(cluster).provider !== provider) continue;
        const cloud = providerOf(deps, cluster);
        const instances = await cloud.listInstances(fleetNameOf(cluster.id)).catch((error: unknown) => {
          if (isCloudError(error, CloudErrorCode.FLEET_NOT_FOUND)) return [];
          throw error;
        });
        released.push(...(await releaseHandedBackVolumes(options.db, cloud, cluster.id, instances)));
      }
      return released;
    },
    close: () => providers.close(),
  };
}
