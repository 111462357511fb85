// @cirrus/broker: the Kafka-protocol broker. `startBroker(config)` runs one in this process with every
// handler (data path, consumer groups, offsets, admin, SASL, idempotent producers) and returns its ports.
import { type BrokerConfig, loadBrokerConfig } from "./config.ts";
import { groupHandlers } from "./handlers/group-handlers.ts";
import { attachGroupServices, closeGroupServices } from "./handlers/group-services.ts";
import { saslAllows } from "./handlers/sasl-handlers.ts";
import { securityHandlers } from "./handlers/security-handler-map.ts";
import { transactionAdminHandlers } from "./handlers/transaction-admin-handlers.ts";
import { transactionHandlers } from "./handlers/transaction-handlers.ts";
import { attachTxnServices, closeTxnServices } from "./handlers/txn-services.ts";
import { ProducerStateManager } from "./producers/index.ts";
import { type BrokerHandle, type BrokerLog, startBroker as startCore } from "./server/broker.ts";

export { type BrokerConfig, brokerConfigDefaults, envNameOf, loadBrokerConfig } from "./config.ts";
export { BrokerError, BrokerErrorCode } from "./errors.ts";
export type { BrokerHandle, BrokerLog } from "./server/broker.ts";

/** The handler maps a complete broker serves beyond the core ones (the README's API table is checked against them). */
export const servedExtraHandlers = [
  groupHandlers,
  transactionHandlers,
  transactionAdminHandlers,
  securityHandlers,
] as const;

/**
 * Starts a complete broker: listens (config.kafkaPort, 0 = ephemeral), registers with the control plane at
 * config.controlPlaneUrl using config.brokerToken, recovers its WAL, opens its assigned partitions, and serves
 * /metrics, /healthz, /readyz on config.adminPort. Options not given come from CIRRUS_* env vars, then defaults;
 * every option (groups, offsets, SASL and producers included) is validated here, before anything starts.
 * Rejects with a BrokerError (CONFIG_INVALID, CONTROL_PLANE_UNAVAILABLE...) when it cannot start.
 */
export async function startBroker(
  config: Partial<BrokerConfig> = {},
  options: { log?: BrokerLog } = {},
): Promise<BrokerHandle> {
  const loaded = loadBrokerConfig(config);
  return startCore(loaded, {
    extraHandlers: [...servedExtraHandlers],
    authorize: saslAllows,
    producers: new ProducerStateManager({
      producerIdleExpiryMs: loaded.producerIdleExpiryMs,
      maxProducers: loaded.maxProducersPerPartition,
    }),
    // The coordinator, producer ids and SASL state exist before the first request can arrive.
    onServices: (services) => {
      attachGroupServices(services);
      attachTxnServices(services);
    },
    onShutdown: (services) => {
      closeTxnServices(services);
      closeGroupServices(services);
    },
    ...(options.log ? { log: options.log } : {}),
  });
}
