import type { Db } from "../../db/database.ts";
import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import type { Controller, OperationHandler } from "../controller-runner.ts";
import type { BrokerLaunchOptions } from "./broker-launch.ts";
import { brokerReplaceHandler } from "./broker-replace.ts";
import { type ProvisionerDeps, tcpProbe } from "./cluster-convergence.ts";
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
    close: () => providers.close(),
  };
}
