import type { ClusterSpec } from "./api-schemas/clusters.ts";
import type { ApiTokens } from "./auth/api-tokens.ts";
import type { BrokerBundle } from "./broker-bundle/broker-bundle.ts";
import type { Config } from "./config.ts";
import type { SpotReclaimer } from "./controllers/provisioner/spot-reclaim.ts";
import type { Database } from "./db/database.ts";
import type { ControlPlaneMetrics } from "./http/control-plane-metrics.ts";
import type { TokenStreamGate } from "./http/token-stream-gate.ts";
import type { AssignmentNotifier } from "./services/assignment-notifier.ts";
import type { BrokerCapacity } from "./services/balancer-settings.ts";
import type { ClusterFeed } from "./services/cluster-feed.ts";
import type { ClusterListFeed } from "./services/cluster-list-feed.ts";
import type { FleetMembership } from "./services/instance-credentials.ts";
import type { MoveCompletion } from "./services/move-completion.ts";
import type { OperationFeed } from "./services/operation-feed.ts";

/** What route plugins and controllers share; built once by build(). */
export interface AppContext {
  config: Readonly<Config>;
  database: Database;
  tokens: ApiTokens;
  notifier: AssignmentNotifier;
  /** GET /metrics; the runner's controllers are counted through metrics.instrumentController. */
  metrics: ControlPlaneMetrics;
  /**
   * Asks the controllers for a pass now (an operation was started, a move finished) instead of at their next
   * interval. Set by ControlPlane.start once its runner exists; a no-op before (and without a runner).
   */
  wakeControllers: () => void;
  /** Finishes moves whose sources closed their streams (see services/move-completion.ts). */
  moveCompletion: MoveCompletion;
  /** Changed operations for live streams (GET /v1/operations/events); reads the database only while listened to. */
  operationFeed: OperationFeed;
  /** Clusters' brokers for live streams (GET /v1/clusters/{id}/events); reads only while listened to. */
  clusterFeed: ClusterFeed;
  /** Every cluster with its broker count and traffic for the list's live stream (GET /v1/clusters/events). */
  clusterListFeed: ClusterListFeed;
  /** Opens every live stream: caps them per token and ends them when their token is revoked. */
  streamGate: TokenStreamGate;
  /** Simulated spot reclaim (the provisioner's, local provider); absent when no provisioner runs. */
  spotReclaimer?: SpotReclaimer;
  /** Brokers' network capacity from the cluster's provider, for the balancer (absent: the config's default). */
  brokerCapacity?: BrokerCapacity;
  /**
   * POST /v1/clusters: throws CREDENTIALS_MISSING unless the provisioner's credentials reach the spec's cloud
   * (the composition's: the same environment its provider registry reads). Absent: this process's environment.
   */
  checkCredentials?: (spec: ClusterSpec) => Promise<void>;
  /**
   * POST /internal/v1/instance-credentials: whether a verified instance is one of the cluster's fleet (the
   * composition's: its provider lists the fleet). Absent: cloud, region and signature alone are checked.
   */
  isFleetInstance?: FleetMembership;
  /** GET /internal/v1/broker-bundle/{sha256}: the broker bundles brokers on stock images boot from. */
  brokerBundles?: () => readonly BrokerBundle[];
}
