export { type App, type BuildOptions, build } from "./app.ts";
export type { AppContext } from "./app-context.ts";
export {
  type BrokerBundle,
  type BrokerBundleManifest,
  BUNDLE_ROOT,
  LAUNCHER as BROKER_BUNDLE_LAUNCHER,
  loadBrokerBundle,
} from "./broker-bundle/broker-bundle.ts";
export { type BuildBrokerBundleOptions, buildBrokerBundle } from "./broker-bundle/build-broker-bundle.ts";
export {
  type ComposedControlPlane,
  type CompositionOptions,
  composeControlPlane,
} from "./composition.ts";
export { type Config, ConfigSchema, DEFAULT_CONFIG, loadConfig } from "./config.ts";
export { ControlPlane, type ControlPlaneOptions } from "./control-plane.ts";
export { FAILOVER_OPERATION } from "./controllers/broker-lease-controller.ts";
export {
  type Controller,
  type ControllerContext,
  ControllerRunner,
  type OperationHandler,
  type OperationStepHandler,
  STEP_WAIT,
} from "./controllers/controller-runner.ts";
export { type Database, type Db, openDatabase } from "./db/database.ts";
export * as schema from "./db/schema.ts";
export { ApiError, type ApiErrorCode, ApiErrors } from "./errors.ts";
export { DbObjectManager } from "./objects/db-object-manager.ts";
export { AssignmentNotifier } from "./services/assignment-notifier.ts";
export { BrokerOperation } from "./services/broker-views.ts";
export { ClusterOperation, rotateBrokerToken } from "./services/clusters.ts";
export { type Operation, OperationStatus } from "./services/operations.ts";
