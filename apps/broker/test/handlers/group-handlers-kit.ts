// Runs the group/offset/admin/SASL handlers the way the broker does: the request is encoded and decoded by
// the codec, the handler answers, and the answer is encoded and decoded again at the same version, so a
// body the codec cannot write fails the test. The offsets topic lives on real s3stream storage; the
// control plane is an in-memory stand-in that answers like ControlPlaneClient (BrokerApiError codes).
import type {
  AlterTopicConfigsRequest,
  CancelReassignmentsRequest,
  CancelReassignmentsResponse,
  ClusterMetadata,
  ReassignmentInFlight,
  ReassignPartitionsRequest,
  ReassignPartitionsResponse,
  TopicMetadata,
} from "@cirrus/broker-api";
import { applyTopicConfigChanges, BrokerApiError } from "@cirrus/broker-api";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "@cirrus/kafka-protocol";
import { type BrokerConfig, loadBrokerConfig } from "../../src/config.ts";
import { ManualClock } from "../../src/groups/clock.ts";
import { OFFSETS_TOPIC } from "../../src/groups/group-coordinator.ts";
import { groupHandlers } from "../../src/handlers/group-handlers.ts";
import { attachGroupServices, closeGroupServices } from "../../src/handlers/group-services.ts";
import type { BrokerServices, RequestContext, TopicAdmin } from "../../src/handlers/handler.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import type { PartitionRegistry } from "../../src/partitions/partition-registry.ts";
import type { ConnectionInfo } from "../../src/server/connection.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";

let nextTopicId = 1;
/** Dashed RFC 4122 form, as the real control plane spells topic ids. */
const topicId = () => {
  const hex = (nextTopicId++).toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The control plane's topic admin, in memory, with its validation and error codes. */
export class MemoryTopicAdmin implements TopicAdmin {
  readonly topics = new Map<string, TopicMetadata>();

  async createTopic(request: {
    name: string;
    partitions: number;
    configs?: Record<string, string>;
    validateOnly?: boolean;
  }) {
    if (this.topics.has(request.name))
      throw new BrokerApiError("TOPIC_ALREADY_EXISTS", `${request.name} exists`, { status: 409 });
    const topic: TopicMetadata = {
      topicId: topicId(),
      name: request.name,
      configs: request.configs ?? {},
      partitions: Array.from({ length: request.partitions }, (_, partition) => ({
        partition,
        leaderBrokerId: 1,
        leaderEpoch: 1,
        streamId: 1000 + partition,
      })),
    };
    if (!request.validateOnly) this.topics.set(request.name, topic);
    return topic;
  }

  async deleteTopic(name: string) {
    const topic = this.topics.get(name);
    if (!topic) throw new BrokerApiError("UNKNOWN_TOPIC", `no topic ${name}`, { status: 404 });
    this.topics.delete(name);
    return { topicId: topic.topicId, name };
  }

  async addPartitions(name: string, request: { totalCount: number; validateOnly?: boolean }) {
    const topic = this.topics.get(name);
    if (!topic) throw new BrokerApiError("UNKNOWN_TOPIC", `no topic ${name}`, { status: 404 });
    if (request.totalCount <= topic.partitions.length)
      throw new BrokerApiError("INVALID_PARTITIONS", "must grow", { status: 400 });
    return topic;
  }

  /** Every call, to check what the broker forwarded. */
  readonly configCalls: { name: string; request: AlterTopicConfigsRequest }[] = [];

  async alterTopicConfigs(name: string, request: AlterTopicConfigsRequest) {
    this.configCalls.push({ name, request });
    const topic = this.topics.get(name);
    if (!topic) throw new BrokerApiError("UNKNOWN_TOPIC", `no topic ${name}`, { status: 404 });
    const next = applyTopicConfigChanges(topic.configs, request.changes, request.replace);
    if ("rule" in next) throw new BrokerApiError("INVALID_REQUEST", next.message, { status: 400 });
    const changed = { ...topic, configs: next.configs };
    if (!request.validateOnly) this.topics.set(name, changed);
    return changed;
  }

  /** The cluster's broker ids (the reassignment checks), the moves in flight, and whether the control plane answers. */
  readonly brokerIds = new Set([1, 2]);
  readonly inFlight: ReassignmentInFlight[] = [];
  unreachable = false;
  readonly reassignCalls: ReassignPartitionsRequest[] = [];

  /** How long the control plane takes to answer a reassignment or a cancel (a slow one: timeoutMs tests). */
  answerDelayMs = 0;

  async #answerLater(signal: AbortSignal | undefined): Promise<void> {
    if (this.answerDelayMs === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.answerDelayMs);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new BrokerApiError("NETWORK", "aborted"));
      });
    });
  }

  /** The control plane's checks of a move (services/partition-moves.ts checkMoves); STARTED moves stay in flight. */
  async reassignPartitions(
    request: ReassignPartitionsRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReassignPartitionsResponse> {
    if (this.unreachable) throw new BrokerApiError("NETWORK", "connection refused");
    this.reassignCalls.push(request);
    await this.#answerLater(options.signal);
    const results = request.moves.map((m) => {
      const answer = (
        outcome: ReassignPartitionsResponse["results"][number]["outcome"],
        message: string = outcome,
      ) => ({
        topic: m.topic,
        partition: m.partition,
        outcome,
        message,
      });
      const partition = this.topics.get(m.topic)?.partitions.find((p) => p.partition === m.partition);
      if (!partition) return answer("UNKNOWN_PARTITION", `partition ${m.topic}-${m.partition} not found`);
      const moving = this.inFlight.find((f) => f.topic === m.topic && f.partition === m.partition);
      if (moving) return answer(moving.to === m.to ? "ALREADY_THERE" : "MOVING_ELSEWHERE");
      if (!this.brokerIds.has(m.to))
        return answer("UNKNOWN_BROKER", `broker ${m.to} is not a broker of this cluster`);
      if (partition.leaderBrokerId === m.to) return answer("ALREADY_THERE");
      this.inFlight.push({ ...m, from: partition.leaderBrokerId, released: true });
      return answer("STARTED");
    });
    return { operationId: results.some((r) => r.outcome === "STARTED") ? "op-1" : null, results };
  }

  /** As services/partition-reassignments.ts cancelReassignments: a queued move (not released) leaves the list. */
  async cancelReassignments(
    request: CancelReassignmentsRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<CancelReassignmentsResponse> {
    if (this.unreachable) throw new BrokerApiError("NETWORK", "connection refused");
    await this.#answerLater(options.signal);
    return {
      results: request.partitions.map((p) => {
        const answer = (outcome: CancelReassignmentsResponse["results"][number]["outcome"]) => ({
          ...p,
          outcome,
          message: outcome,
        });
        if (!this.topics.get(p.topic)?.partitions.some((q) => q.partition === p.partition))
          return answer("UNKNOWN_PARTITION");
        const at = this.inFlight.findIndex((f) => f.topic === p.topic && f.partition === p.partition);
        if (at < 0) return answer("NOT_MOVING");
        if (this.inFlight[at]!.released) return answer("IN_PROGRESS");
        this.inFlight.splice(at, 1);
        return answer("CANCELLED");
      }),
    };
  }

  async partitionReassignments() {
    if (this.unreachable) throw new BrokerApiError("NETWORK", "connection refused");
    return { reassignments: [...this.inFlight] };
  }
}

export interface HandlerBroker {
  readonly services: BrokerServices;
  readonly admin: MemoryTopicAdmin;
  readonly clock: ManualClock;
  /** Opens offsets partition 0 here on real storage (the control plane assigned it to this broker). */
  openOffsetsPartition(): Promise<Partition>;
  call<T = Record<string, unknown>>(
    apiKey: number,
    apiVersion: number,
    body: object,
    connection?: ConnectionInfo,
  ): Promise<T>;
  close(): Promise<void>;
}

export function connection(id = 1): ConnectionInfo {
  return { id, remoteAddress: "127.0.0.1", closed: new AbortController().signal };
}

/** `config` overrides the broker config (groups, offsets, SASL...); the environment is not read. */
export async function startHandlerBroker(
  config: Partial<BrokerConfig> = {},
): Promise<HandlerBroker & { setBrokerId(id: number): void }> {
  const cluster = new StreamCluster();
  const admin = new MemoryTopicAdmin();
  const open = new Map<string, Partition>();
  const clock = new ManualClock(Date.now());
  let brokerId = 1;
  const registry = {
    byName: (topic: string, p: number) => open.get(`${topic}/${p}`),
  } as unknown as PartitionRegistry;
  const metadata = async (): Promise<ClusterMetadata> => ({
    clusterId: "test",
    version: 1,
    controllerBrokerId: 1,
    brokers: [{ brokerId: 1, host: "127.0.0.1", port: 19092, zone: "z", state: "ACTIVE" }],
    topics: [...admin.topics.values()],
  });
  const services = {
    config: loadBrokerConfig({ offsetsTopicPartitions: 1, groupInitialRebalanceDelayMs: 0, ...config }, {}),
    brokerId: () => brokerId,
    brokerEpoch: () => 3,
    canAck: () => true,
    shuttingDown: () => false,
    partitions: registry,
    metadata,
    controlPlane: admin,
    apiVersions: () => [],
    advertised: () => ({ host: "127.0.0.1", port: 19092 }),
  } as unknown as BrokerServices;
  attachGroupServices(services, { clock });
  const broker: HandlerBroker = {
    services,
    admin,
    clock,
    async openOffsetsPartition() {
      const storage = await cluster.openBroker(1);
      const streamId = await cluster.createStream();
      const partition = await cluster.openPartition(storage, streamId, 1, OFFSETS_TOPIC, 0);
      open.set(`${OFFSETS_TOPIC}/0`, partition);
      return partition;
    },
    async call<T>(apiKey: number, apiVersion: number, body: object, conn = connection()): Promise<T> {
      const frame = encodeRequest(
        { apiKey, apiVersion, correlationId: 7, clientId: "test-client" } as never,
        body as never,
      );
      const decoded = decodeRequest(frame.subarray(4));
      const handler = groupHandlers.get(apiKey);
      if (!handler) throw new Error(`no handler for ${apiKey}`);
      const context: RequestContext = {
        apiKey,
        apiVersion,
        correlationId: 7,
        clientId: decoded.header.clientId,
        connection: conn,
        services,
        receivedAt: 0,
      };
      const answer = await handler.handle(decoded.body as never, context);
      const encoded = encodeResponse({ apiKey, apiVersion, correlationId: 7 } as never, answer as never);
      return decodeResponse(apiKey as never, apiVersion, encoded.subarray(4)).body as T;
    },
    async close() {
      closeGroupServices(services);
      await cluster.close();
    },
  };
  return Object.assign(broker, {
    setBrokerId(id: number) {
      brokerId = id;
    },
  });
}
