// The coordinator's MarkerWriter: writes a transaction's markers into each of its partitions, wherever
// that partition is led. A partition open here gets its marker appended directly; the others are grouped
// by leader (cluster metadata) into one WriteTxnMarkers request per broker. A partition of the offsets
// topic gets its marker through its group coordinator, which completes the producer's pending offset
// commits (TxnOffsetCommit) with it. Any partition that failed with a retriable error fails the whole write (the
// coordinator retries it; a second marker for a transaction that already ended is ignored by the index).
// Brokers authenticate to each other: each connection logs in with SCRAM as the cluster's inter-broker user (a
// super user on every broker, credential from the control plane) when the target accepts SASL, so the target
// authorizes WriteTxnMarkers (CLUSTER_ACTION) for it and never for User:ANONYMOUS.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ApiKey, ErrorCode, errorName } from "@cirrus/kafka-protocol";
import {
  authenticateIfRequired,
  KafkaClientConnection,
  type ScramClientCredential,
} from "@cirrus/kafka-protocol/client";
import { type LocalMarkerDeps, writeMarkerHere } from "./local-markers.ts";
import type { MarkerRequest, MarkerWriter } from "./txn-shard.ts";
import type { TxnPartition } from "./txn-state.ts";

export interface ClusterMarkerWriterDeps extends LocalMarkerDeps {
  readonly metadata: (fresh?: boolean) => Promise<ClusterMetadata>;
  readonly requestTimeoutMs: number;
  /** A marker refused for good (its partition was deleted, or a newer epoch wrote there): logged. */
  readonly onDropped: (partition: TxnPartition, errorCode: number) => void;
  /**
   * The cluster's inter-broker credential (asked once, kept while it works); absent: connections do not log in
   * (a broker without the cluster's security state, whose peers neither authorize nor require SASL).
   */
  readonly interBrokerCredential?: () => Promise<ScramClientCredential>;
}

interface PeerConnection {
  readonly address: string;
  readonly connection: KafkaClientConnection;
  /** Settles once the connection is logged in (or found to need no login); rejects when that failed. */
  readonly ready: Promise<unknown>;
}

/** Errors after which writing the marker again cannot help: the marker is given up for that partition. */
const FINAL_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

export class ClusterMarkerWriter implements MarkerWriter {
  readonly #deps: ClusterMarkerWriterDeps;
  readonly #connections = new Map<number, PeerConnection>();
  #credential: Promise<ScramClientCredential> | undefined;

  constructor(deps: ClusterMarkerWriterDeps) {
    this.#deps = deps;
  }

  async write(request: MarkerRequest): Promise<void> {
    const failures: string[] = [];
    const remote: TxnPartition[] = [];
    const results = request.partitions.map(async (p) => {
      const here = writeMarkerHere(this.#deps, p, request);
      if (here === undefined) remote.push(p);
      else this.#note(p, await here, failures);
    });
    await Promise.all(results);
    if (remote.length > 0) await this.#writeRemote(request, remote, failures);
    if (failures.length > 0) {
      throw new Error(
        `transaction ${request.transactionalId}: markers not written to ${failures.join(", ")}`,
      );
    }
  }

  close(): void {
    for (const { connection } of this.#connections.values()) connection.close();
    this.#connections.clear();
  }

  #note(p: TxnPartition, code: number, failures: string[]): void {
    if (code === ErrorCode.NONE) return;
    if (FINAL_ERRORS.has(code)) this.#deps.onDropped(p, code);
    else failures.push(`${p.topic}-${p.partition} (${errorName(code) ?? code})`);
  }

  async #writeRemote(request: MarkerRequest, partitions: TxnPartition[], failures: string[]): Promise<void> {
    const metadata = await this.#deps.metadata(true);
    const byLeader = new Map<number, TxnPartition[]>();
    for (const p of partitions) {
      const topic = metadata.topics.find((t) => t.name === p.topic);
      const leader = topic?.partitions.find((x) => x.partition === p.partition)?.leaderBrokerId ?? -1;
      if (!topic) {
        this.#deps.onDropped(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const list = byLeader.get(leader) ?? [];
      list.push(p);
      byLeader.set(leader, list);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const broker = metadata.brokers.find(
          (b) => b.brokerId === leader && (b.state === "ACTIVE" || b.state === "DRAINING"),
        );
        if (!broker) {
          for (const p of list) failures.push(`${p.topic}-${p.partition} (no live leader)`);
          return;
        }
        try {
          const codes = await this.#send(leader, `${broker.host}:${broker.port}`, request, list);
          for (const p of list)
            this.#note(
              p,
              codes.get(`${p.topic}\u0000${p.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR,
              failures,
            );
        } catch (error) {
          for (const p of list) failures.push(`${p.topic}-${p.partition} (${(error as Error).message})`);
        }
      }),
    );
  }

  async #send(
    brokerId: number,
    address: string,
    request: MarkerRequest,
    list: TxnPartition[],
  ): Promise<Map<string, number>> {
    let entry = this.#connections.get(brokerId);
    if (!entry || entry.address !== address || entry.connection.failed) {
      entry?.connection.close();
      entry = this.#connect(address);
      this.#connections.set(brokerId, entry);
    }
    try {
      await entry.ready;
    } catch (error) {
      // Not logged in (a refused login closed it; the credential is asked again): the next write reconnects.
      entry.connection.close();
      if (this.#connections.get(brokerId) === entry) this.#connections.delete(brokerId);
      throw error;
    }
    const topics = new Map<string, number[]>();
    for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    const response = await entry.connection.request(
      ApiKey.WriteTxnMarkers,
      1,
      {
        markers: [
          {
            producerId: request.producerId,
            producerEpoch: request.producerEpoch,
            transactionResult: request.committed,
            topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            coordinatorEpoch: request.coordinatorEpoch,
          },
        ],
      },
      this.#deps.requestTimeoutMs,
    );
    const codes = new Map<string, number>();
    for (const marker of response.markers) {
      for (const topic of marker.topics) {
        for (const p of topic.partitions) codes.set(`${topic.name}\u0000${p.partitionIndex}`, p.errorCode);
      }
    }
    return codes;
  }

  #connect(address: string): PeerConnection {
    const host = address.slice(0, address.lastIndexOf(":"));
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    const connection = new KafkaClientConnection(host, port, {
      clientId: "cirrus-broker",
      connectTimeoutMs: this.#deps.requestTimeoutMs,
    });
    const login = this.#deps.interBrokerCredential;
    const ready = login
      ? this.#credentialOnce(login).then((credential) =>
          authenticateIfRequired(connection, credential, this.#deps.requestTimeoutMs),
        )
      : Promise.resolve();
    // Observed here too: a write that gave up before awaiting it leaves no unhandled rejection.
    ready.catch(() => {});
    return { address, connection, ready };
  }

  /** The credential, asked of the control plane once; a failed ask is forgotten, so the next write asks again. */
  #credentialOnce(login: () => Promise<ScramClientCredential>): Promise<ScramClientCredential> {
    this.#credential ??= login();
    const asked = this.#credential;
    asked.catch(() => {
      if (this.#credential === asked) this.#credential = undefined;
    });
    return asked;
  }
}
