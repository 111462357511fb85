/**
 * Paths of the internal API, relative to the server root. Shared by the server's route plugins
 * (Fastify path syntax, `:param`) and the client (which fills the params in), so they cannot drift.
 */
export const INTERNAL_PREFIX = "/internal/v1";

export const InternalRoutes = {
  register: "/brokers/register",
  /** Not authenticated by a credential: the body carries the instance identity its cloud signed. */
  instanceCredential: "/instance-credentials",
  /** Not authenticated either: a short-lived challenge an instance signs into its identity proof. */
  instanceChallenge: "/instance-challenges",
  /** The WAL volume the control plane attached for a cloud instance (null until it is attached). */
  instanceWalVolume: "/instances/:instanceId/wal-volume",
  heartbeat: "/brokers/:brokerId/heartbeat",
  deregister: "/brokers/:brokerId/deregister",
  assignments: "/brokers/:brokerId/assignments",
  metadata: "/metadata",
  topics: "/topics",
  topic: "/topics/:name",
  topicPartitions: "/topics/:name/partitions",
  topicConfigs: "/topics/:name/configs",
  /** Kafka's Alter/ListPartitionReassignments: POST moves, GET the moves in flight. */
  partitionReassignments: "/partition-reassignments",
  /** Cancels queued reassignments (Kafka's null replicas). */
  cancelReassignments: "/partition-reassignments/cancel",
  /** The cluster's ACLs and SCRAM credentials (GET), as every broker authorizes and authenticates with them. */
  security: "/security",
  /** The version of that state alone (brokers poll it, and read the state when it moved). */
  securityVersion: "/security/version",
  /** The inter-broker user's credential (GET): what a broker logs in to other brokers with. */
  interBrokerCredential: "/security/inter-broker-credential",
  /** Kafka's CreateAcls (POST). */
  acls: "/security/acls",
  /** Kafka's DeleteAcls (POST: filters in the body). */
  deleteAcls: "/security/acls/delete",
  /** Kafka's AlterUserScramCredentials (POST). */
  scramCredentials: "/security/scram-credentials",
  streams: "/streams",
  stream: "/streams/:streamId",
  openStream: "/streams/:streamId/open",
  /** Many streams opened in one request (OpenStreamsRequest): what concurrent opens of one broker become. */
  openStreams: "/streams/open",
  closeStream: "/streams/:streamId/close",
  /** Many streams closed in one request (CloseStreamsRequest): what concurrent closes of one broker become. */
  closeStreams: "/streams/close",
  trimStream: "/streams/:streamId/trim",
  deleteStream: "/streams/:streamId/delete",
  streamObjects: "/streams/:streamId/objects",
  prepareObjects: "/objects/prepare",
  commitStreamSetObject: "/objects/commit-stream-set",
  commitStreamObject: "/objects/commit-stream",
  unreferencedObjects: "/objects/unreferenced",
  forgetObjects: "/objects/forget",
  nodeStreamSetObjects: "/nodes/:nodeId/stream-set-objects",
  nodeOpeningStreams: "/nodes/:nodeId/opening-streams",
} as const;

/** `internalPath("/streams/:streamId/open", { streamId: 7 })` → "/internal/v1/streams/7/open". */
export function internalPath(route: string, params: Record<string, string | number> = {}): string {
  return (
    INTERNAL_PREFIX +
    route.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${route}`);
      return encodeURIComponent(String(value));
    })
  );
}
