export { type BrokerLaunchOptions, brokerLaunchSpec, brokerObjectStoreUri } from "./broker-launch.ts";
export {
  fleetNameOf,
  fleetSpecOf,
  fleetUpdateOf,
  onDemandPercentOf,
  WAL_VOLUME_TYPE,
} from "./cluster-fleet.ts";
export { createProviderRegistry, type ProviderRegistry } from "./provider-registry.ts";
export { createProvisioner, type Provisioner, type ProvisionerOptions } from "./provisioner.ts";
export { ProvisioningError, ProvisioningErrorCode } from "./provisioning-error.ts";
