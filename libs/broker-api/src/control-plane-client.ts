import {
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  type CreateStreamOptions,
  ErrorCode,
  errorFromCode,
  isErrorCode,
  type ObjectManager,
  type ObjectMetadata,
  type StreamMetadata,
  StreamStorageError,
  type UnreferencedObject,
} from "@cirrus/s3stream";
import { CallBatcher, type CallOutcome } from "./call-batcher.ts";
import { BrokerApiError, BrokerApiErrorCode } from "./errors.ts";
import { type CallOptions, HttpTransport, type TransportOptions } from "./http-transport.ts";
import { InternalRoutes, internalPath } from "./routes.ts";
import type {
  Assignments,
  DeregisterBrokerRequest,
  DeregisterBrokerResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  InstanceChallengeRequest,
  InstanceChallengeResponse,
  InstanceCredentialRequest,
  InstanceCredentialResponse,
  InstanceWalVolumeResponse,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
} from "./schemas/brokers.ts";
import type {
  AddPartitionsRequest,
  AlterTopicConfigsRequest,
  ClusterMetadata,
  CreateTopicRequest,
  DeleteTopicResponse,
  SuccessorWait,
  TopicMetadata,
} from "./schemas/metadata.ts";
import {
  type CloseStreamsResponse,
  MAX_STREAMS_PER_BATCH,
  type OpenStreamsResponse,
} from "./schemas/objects.ts";
import type {
  CancelReassignmentsRequest,
  CancelReassignmentsResponse,
  ReassignmentsInFlight,
  ReassignPartitionsRequest,
  ReassignPartitionsResponse,
} from "./schemas/reassignments.ts";
import type {
  AlterScramCredentialsRequest,
  AlterScramCredentialsResponse,
  CreateAclsRequest,
  CreateAclsResponse,
  DeleteAclsRequest,
  DeleteAclsResponse,
  InterBrokerCredential,
  SecuritySnapshot,
  SecurityVersion,
} from "./schemas/security.ts";

interface StreamOpen {
  readonly streamId: number;
  readonly epoch: number;
  readonly nodeId: number;
}
interface StreamClose {
  readonly streamId: number;
  readonly epoch: number;
}

export type ControlPlaneClientOptions = TransportOptions;

export interface WatchAssignmentsOptions {
  /** The broker's current epoch (a fenced epoch gets BROKER_FENCED instead of assignments). */
  epoch: number;
  /** The last version the broker applied; -1 to get the current assignments at once. */
  after: number;
  /** How long the server may hold the request when nothing changed. Default 25 s. */
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * Typed client of the control plane's internal API (`/internal/v1`), authenticated with the
 * cluster's broker credential. Broker calls reject with BrokerApiError (`fenced` tells the broker
 * to stop acking and re-register). As an ObjectManager it follows s3stream's contract: it only
 * rejects with StreamStorageError, transport failures becoming UPSTREAM_UNAVAILABLE (retriable).
 * Idempotent calls are retried on network errors, timeouts, 5xx and 429; others are sent once.
 */
export class ControlPlaneClient implements ObjectManager {
  readonly #http: HttpTransport;
  readonly #opens = new CallBatcher<StreamOpen, StreamMetadata>(
    (opens) => this.#sendOpens(opens),
    MAX_STREAMS_PER_BATCH,
  );
  readonly #closes = new CallBatcher<StreamClose, void>(
    (closes) => this.#sendCloses(closes),
    MAX_STREAMS_PER_BATCH,
  );

  constructor(options: ControlPlaneClientOptions) {
    this.#http = new HttpTransport(options);
  }

  // ---- brokers ------------------------------------------------------------------------------

  /** Registers (or re-registers) this broker: a new epoch each time, fencing earlier ones. Sent once. */
  register(request: RegisterBrokerRequest): Promise<RegisterBrokerResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.register),
      body: request,
      idempotent: false,
    });
  }

  /**
   * Trades the instance identity its cloud signed for a broker credential (sent without one; any token
   * this client holds is ignored there). UNAUTHORIZED: the proof does not verify or is not the cluster's.
   */
  instanceCredential(request: InstanceCredentialRequest): Promise<InstanceCredentialResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.instanceCredential),
      body: request,
      // Not resent as is: a proof's challenge is good once (the caller asks a new one and signs again).
      idempotent: false,
    });
  }

  /** A challenge to sign into the next identity proof as its audience (sent without a credential). */
  instanceChallenge(request: InstanceChallengeRequest): Promise<InstanceChallengeResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.instanceChallenge),
      body: request,
      idempotent: false,
    });
  }

  /** The WAL volume attached for this instance, as the control plane recorded it (null: not attached yet). */
  instanceWalVolume(instanceId: string): Promise<InstanceWalVolumeResponse> {
    return this.#http.call({
      method: "GET",
      path: internalPath(InternalRoutes.instanceWalVolume, { instanceId }),
      idempotent: true,
    });
  }

  /** Renews the lease. BROKER_FENCED: stale epoch or expired lease — stop acking, re-register. */
  heartbeat(brokerId: number, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.heartbeat, { brokerId }),
      body: request,
      idempotent: true,
    });
  }

  /**
   * Ends a graceful shutdown (WAL tail uploaded, streams closed): the control plane reassigns this
   * incarnation's partitions at once instead of after lease expiry. Idempotent. BROKER_FENCED: another
   * epoch is current (nothing to hand back).
   */
  deregister(brokerId: number, request: DeregisterBrokerRequest): Promise<DeregisterBrokerResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.deregister, { brokerId }),
      body: request,
      idempotent: true,
    });
  }

  /** Long poll: resolves when the version passes `after`, or after `waitMs` with the current version. */
  watchAssignments(brokerId: number, options: WatchAssignmentsOptions): Promise<Assignments> {
    const waitMs = options.waitMs ?? 25_000;
    const call: CallOptions = {
      method: "GET",
      path: internalPath(InternalRoutes.assignments, { brokerId }),
      query: { epoch: options.epoch, after: options.after, waitMs },
      idempotent: true,
      extraTimeoutMs: waitMs,
    };
    if (options.signal) call.signal = options.signal;
    return this.#http.call(call);
  }

  // ---- metadata and topics (Kafka admin APIs go through the control plane) -------------------

  /** The cluster metadata; with `successors`, held until those streams are announced as led elsewhere. */
  metadata(successors?: SuccessorWait): Promise<ClusterMetadata> {
    if (!successors)
      return this.#http.call({
        method: "GET",
        path: internalPath(InternalRoutes.metadata),
        idempotent: true,
      });
    const call: CallOptions = {
      method: "GET",
      path: internalPath(InternalRoutes.metadata),
      query: {
        movedFrom: successors.movedFrom,
        streams: successors.streamIds.join(","),
        waitMs: successors.waitMs,
      },
      idempotent: true,
      extraTimeoutMs: successors.waitMs,
    };
    if (successors.signal) call.signal = successors.signal;
    return this.#http.call(call);
  }

  /** TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REQUEST map to Kafka's error codes. */
  createTopic(request: CreateTopicRequest): Promise<TopicMetadata> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.topics),
      body: request,
      idempotent: false,
    });
  }

  /** UNKNOWN_TOPIC when absent. The topic's streams are deleted with it. */
  deleteTopic(name: string): Promise<DeleteTopicResponse> {
    return this.#http.call({
      method: "DELETE",
      path: internalPath(InternalRoutes.topic, { name }),
      idempotent: false,
    });
  }

  /** Grows the topic to `totalCount` partitions, assigned by the control plane to live brokers. */
  addPartitions(name: string, request: AddPartitionsRequest): Promise<TopicMetadata> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.topicPartitions, { name }),
      body: request,
      idempotent: false,
    });
  }

  /** Changes a topic's configs (AlterConfigs / IncrementalAlterConfigs); UNKNOWN_TOPIC, INVALID_REQUEST. */
  alterTopicConfigs(name: string, request: AlterTopicConfigsRequest): Promise<TopicMetadata> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.topicConfigs, { name }),
      body: request,
      idempotent: false,
    });
  }

  /**
   * Moves each partition to the broker named (Kafka's AlterPartitionReassignments), through the control
   * plane's move executor: one outcome per move, in request order. Sent once (it starts an operation).
   */
  reassignPartitions(
    request: ReassignPartitionsRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReassignPartitionsResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.partitionReassignments),
      body: request,
      idempotent: false,
      signal: options.signal,
    });
  }

  /**
   * Cancels the partitions' reassignments still queued (Kafka's AlterPartitionReassignments with null
   * replicas): one outcome per partition, in request order. Retried: a second cancel changes nothing more.
   */
  cancelReassignments(
    request: CancelReassignmentsRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<CancelReassignmentsResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.cancelReassignments),
      body: request,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** The cluster's moves not finished yet (Kafka's ListPartitionReassignments). */
  partitionReassignments(): Promise<ReassignmentsInFlight> {
    return this.#http.call({
      method: "GET",
      path: internalPath(InternalRoutes.partitionReassignments),
      idempotent: true,
    });
  }

  // ---- security (ACLs, SCRAM credentials) -------------------------------------------------------

  /** The cluster's ACLs and SCRAM credentials, as of one read. */
  security(options: { signal?: AbortSignal } = {}): Promise<SecuritySnapshot> {
    return this.#http.call({
      method: "GET",
      path: internalPath(InternalRoutes.security),
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** The version of the cluster's ACLs and SCRAM credentials (it grows with every change). */
  securityVersion(options: { signal?: AbortSignal } = {}): Promise<SecurityVersion> {
    return this.#http.call({
      method: "GET",
      path: internalPath(InternalRoutes.securityVersion),
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** The cluster's inter-broker credential (user and password): made once per cluster, never changes. */
  interBrokerCredential(options: { signal?: AbortSignal } = {}): Promise<InterBrokerCredential> {
    return this.#http.call({
      method: "GET",
      path: internalPath(InternalRoutes.interBrokerCredential),
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** CreateAcls: stores each valid binding (creating one that exists is a success). Idempotent. */
  createAcls(request: CreateAclsRequest): Promise<CreateAclsResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.acls),
      body: request,
      idempotent: true,
    });
  }

  /** DeleteAcls: deletes every binding each filter matches, in one transaction. Sent once. */
  deleteAcls(request: DeleteAclsRequest): Promise<DeleteAclsResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.deleteAcls),
      body: request,
      idempotent: false,
    });
  }

  /** AlterUserScramCredentials: deletions then upsertions, in one transaction. Sent once. */
  alterScramCredentials(request: AlterScramCredentialsRequest): Promise<AlterScramCredentialsResponse> {
    return this.#http.call({
      method: "POST",
      path: internalPath(InternalRoutes.scramCredentials),
      body: request,
      idempotent: false,
    });
  }

  // ---- ObjectManager ------------------------------------------------------------------------

  async createStream(options: CreateStreamOptions = {}): Promise<{ streamId: number }> {
    return this.#objects({
      method: "POST",
      path: internalPath(InternalRoutes.streams),
      body: options,
      idempotent: false,
    });
  }

  /** Sent with the other opens of this broker in flight or arriving meanwhile (CallBatcher). */
  async openStream(streamId: number, epoch: number, nodeId: number): Promise<StreamMetadata> {
    return this.#opens.call({ streamId: index(streamId), epoch, nodeId });
  }

  /** One POST /streams/open for a batch of opens; each open's own error is rebuilt like a single call's. */
  async #sendOpens(opens: readonly StreamOpen[]): Promise<CallOutcome<StreamMetadata>[]> {
    const body = await this.#objects<OpenStreamsResponse>({
      method: "POST",
      path: internalPath(InternalRoutes.openStreams),
      body: { streams: opens },
      idempotent: true,
    });
    return outcomesOf(opens, body.results, (r) => r.stream);
  }

  /** Sent with the other closes of this broker in flight or arriving meanwhile (CallBatcher). */
  async closeStream(streamId: number, epoch: number): Promise<void> {
    await this.#closes.call({ streamId: index(streamId), epoch });
  }

  /** One POST /streams/close for a batch of closes; each close's own error is rebuilt like a single call's. */
  async #sendCloses(closes: readonly StreamClose[]): Promise<CallOutcome<void>[]> {
    const body = await this.#objects<CloseStreamsResponse>({
      method: "POST",
      path: internalPath(InternalRoutes.closeStreams),
      body: { streams: closes },
      idempotent: true,
    });
    return outcomesOf(closes, body.results, () => undefined);
  }

  async trimStream(streamId: number, epoch: number, newStartOffset: number): Promise<void> {
    await this.#objects({
      method: "POST",
      path: internalPath(InternalRoutes.trimStream, { streamId: index(streamId) }),
      body: { epoch, newStartOffset },
      idempotent: true,
    });
  }

  async deleteStream(streamId: number, epoch: number): Promise<void> {
    await this.#objects({
      method: "POST",
      path: internalPath(InternalRoutes.deleteStream, { streamId: index(streamId) }),
      body: { epoch },
      idempotent: false,
    });
  }

  async describeStream(streamId: number): Promise<StreamMetadata> {
    return this.#objects({
      method: "GET",
      path: internalPath(InternalRoutes.stream, { streamId: index(streamId) }),
      idempotent: true,
    });
  }

  /** Retried: a lost answer only leaks ids, which expire after ttlMs like any unused preparation. */
  async prepareObjects(count: number, ttlMs: number): Promise<number> {
    const body = await this.#objects<{ firstObjectId: number }>({
      method: "POST",
      path: internalPath(InternalRoutes.prepareObjects),
      body: { count, ttlMs },
      idempotent: true,
    });
    return body.firstObjectId;
  }

  /** Retried: commits are idempotent by objectId on the server. */
  async commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void> {
    await this.#objects({
      method: "POST",
      path: internalPath(InternalRoutes.commitStreamSetObject),
      body: request,
      idempotent: true,
    });
  }

  async commitStreamObject(request: CommitStreamObjectRequest): Promise<void> {
    await this.#objects({
      method: "POST",
      path: internalPath(InternalRoutes.commitStreamObject),
      body: request,
      idempotent: true,
    });
  }

  async getObjects(
    streamId: number,
    startOffset: number,
    endOffset: number,
    limit: number,
  ): Promise<ObjectMetadata[]> {
    const body = await this.#objects<{ objects: ObjectMetadata[] }>({
      method: "GET",
      path: internalPath(InternalRoutes.streamObjects, { streamId: index(streamId) }),
      query: { startOffset, endOffset, limit },
      idempotent: true,
    });
    return body.objects;
  }

  async getStreamSetObjects(nodeId: number): Promise<ObjectMetadata[]> {
    const body = await this.#objects<{ objects: ObjectMetadata[] }>({
      method: "GET",
      path: internalPath(InternalRoutes.nodeStreamSetObjects, { nodeId: index(nodeId) }),
      idempotent: true,
    });
    return body.objects;
  }

  async getOpeningStreams(nodeId: number): Promise<StreamMetadata[]> {
    const body = await this.#objects<{ streams: StreamMetadata[] }>({
      method: "GET",
      path: internalPath(InternalRoutes.nodeOpeningStreams, { nodeId: index(nodeId) }),
      idempotent: true,
    });
    return body.streams;
  }

  async getUnreferencedObjects(gracePeriodMs: number, limit: number): Promise<UnreferencedObject[]> {
    const body = await this.#objects<{ objects: UnreferencedObject[] }>({
      method: "GET",
      path: internalPath(InternalRoutes.unreferencedObjects),
      query: { gracePeriodMs, limit },
      idempotent: true,
    });
    return body.objects;
  }

  async forgetObjects(objectIds: number[]): Promise<void> {
    await this.#objects({
      method: "POST",
      path: internalPath(InternalRoutes.forgetObjects),
      body: { objectIds },
      idempotent: true,
    });
  }

  /** Same call, errors rebuilt as StreamStorageError (the ObjectManager contract). */
  async #objects<T>(call: CallOptions): Promise<T> {
    try {
      return await this.#http.call<T>(call);
    } catch (error) {
      throw toStreamStorageError(error);
    }
  }
}

/**
 * A batch answer's outcomes, one per asked stream in order; an answer that does not match the request (count,
 * stream ids, a success without its value) is refused as a whole, as retriable UPSTREAM_UNAVAILABLE.
 */
function outcomesOf<R, A extends { streamId: number; error: { code: string; message: string } | null }>(
  asked: readonly { streamId: number }[],
  answered: readonly A[],
  resultOf: (answer: A) => R | null,
): CallOutcome<R>[] {
  const mismatch = () =>
    new StreamStorageError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `the control plane answered ${answered.length} outcomes for ${asked.length} streams`,
    );
  if (answered.length !== asked.length || answered.some((r, i) => r.streamId !== asked[i]!.streamId))
    throw mismatch();
  return answered.map((r) => {
    if (r.error !== null) return { ok: false, error: errorFromCode(r.error.code, r.error.message) };
    const value = resultOf(r);
    if (value === null) throw mismatch();
    return { ok: true, value };
  });
}

/** Path ids must be valid before they reach a URL: INVALID_ARGUMENT like the in-memory implementation. */
function index(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StreamStorageError(
      ErrorCode.INVALID_ARGUMENT,
      `id must be a non-negative safe integer, got ${value}`,
    );
  }
  return value;
}

export function toStreamStorageError(error: unknown): StreamStorageError {
  if (error instanceof StreamStorageError) return error;
  if (!(error instanceof BrokerApiError)) {
    return new StreamStorageError(ErrorCode.UPSTREAM_UNAVAILABLE, String(error), { cause: error });
  }
  if (error.status < 500 && isErrorCode(error.problemCode)) {
    const rebuilt = errorFromCode(error.problemCode, error.message);
    return new StreamStorageError(rebuilt.code, error.message, { cause: error });
  }
  // A fenced node epoch means this node lost its streams: the same meaning as a stale stream epoch.
  if (error.code === BrokerApiErrorCode.BROKER_FENCED) {
    return new StreamStorageError(ErrorCode.STREAM_FENCED, error.message, { cause: error });
  }
  if (error.code === BrokerApiErrorCode.INVALID_REQUEST) {
    return new StreamStorageError(ErrorCode.INVALID_ARGUMENT, error.message, { cause: error });
  }
  return new StreamStorageError(ErrorCode.UPSTREAM_UNAVAILABLE, error.message, { cause: error });
}
