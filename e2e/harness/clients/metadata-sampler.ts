// Samples what Kafka clients are told about a topic's leaders: real Metadata requests (v9, on the project's own
// Kafka-protocol client) in a tight loop against each of some brokers, one request in flight per broker, until
// stop(). Every answer's partitions are kept with their leader ids, so a test can count the answers that named
// no leader (-1, LEADER_NOT_AVAILABLE) while partitions moved. A broker that goes away ends its own loop.
import { ApiKey } from "@cirrus/kafka-protocol";
import { KafkaClientConnection } from "@cirrus/kafka-protocol/client";

export interface MetadataSample {
  brokerId: number;
  /** performance.now() when the answer arrived. */
  at: number;
  /** Leader id of each partition of the topic, by partition index (an absent partition: undefined). */
  leaders: number[];
}

interface SampledBroker {
  brokerId: number;
  host: string;
  port: number;
}

const REQUEST_TIMEOUT_MS = 5_000;

export class MetadataSampler {
  readonly samples: MetadataSample[] = [];
  readonly #loops: Promise<void>[];
  #stopped = false;

  constructor(brokers: readonly SampledBroker[], topic: string) {
    this.#loops = brokers.map((b) => this.#run(b, topic));
  }

  async #run(broker: SampledBroker, topic: string): Promise<void> {
    let connection: KafkaClientConnection | undefined;
    try {
      connection = await KafkaClientConnection.open(broker.host, broker.port, {
        clientId: "cirrus-e2e-metadata-sampler",
        connectTimeoutMs: REQUEST_TIMEOUT_MS,
      });
      while (!this.#stopped) {
        const answer = await connection.request(
          ApiKey.Metadata,
          9,
          {
            topics: [{ name: topic }],
            allowAutoTopicCreation: false,
            includeClusterAuthorizedOperations: false,
            includeTopicAuthorizedOperations: false,
          },
          REQUEST_TIMEOUT_MS,
        );
        const leaders: number[] = [];
        for (const t of answer.topics)
          if (t.name === topic) for (const p of t.partitions) leaders[p.partitionIndex] = p.leaderId;
        this.samples.push({ brokerId: broker.brokerId, at: performance.now(), leaders });
      }
    } catch {
      // The broker stopped (SIGTERM, SIGKILL): the other loops go on.
    } finally {
      connection?.close();
    }
  }

  /** Ends every loop; resolves once they are all done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  /**
   * Of the answers that arrived in [from, to]: how many there were, how many named leader -1 for at least one
   * of `partitions`, and how many partition entries had leader -1.
   */
  count(
    partitions: readonly number[],
    from = Number.NEGATIVE_INFINITY,
    to = Number.POSITIVE_INFINITY,
  ): { answers: number; answersWithLeaderless: number; leaderlessEntries: number } {
    let answers = 0;
    let answersWithLeaderless = 0;
    let leaderlessEntries = 0;
    for (const s of this.samples) {
      if (s.at < from || s.at > to) continue;
      answers++;
      const missing = partitions.filter((p) => (s.leaders[p] ?? -1) === -1).length;
      leaderlessEntries += missing;
      if (missing > 0) answersWithLeaderless++;
    }
    return { answers, answersWithLeaderless, leaderlessEntries };
  }
}
