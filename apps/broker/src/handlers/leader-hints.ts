// KIP-951 leader discovery: a Produce (v10+) or Fetch (v16+) partition refused with NOT_LEADER_OR_FOLLOWER or
// FENCED_LEADER_EPOCH names the partition's current leader (currentLeader), and the response carries that
// broker's endpoint (nodeEndpoints), so a client (Java 3.7+) retries on the new leader at once instead of
// asking Metadata and backing off. As Kafka's KafkaApis.getCurrentLeader, from this broker's metadata cache —
// but a hint is given only when another live broker leads the partition: never a guess, never this broker
// (a refusal naming itself would send the client straight back), and nothing when the leader is unknown.
// Cirrus brokers have one listener, so the endpoint is the one Metadata shows (live-brokers.ts nodeEndpointOf).
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { MetadataView } from "../cluster/metadata-cache.ts";
import { liveBrokersOf, type NodeEndpoint, nodeEndpointOf } from "./live-brokers.ts";

export interface CurrentLeader {
  leaderId: number;
  leaderEpoch: number;
}

/** A topic by name (Produce, Fetch up to v12) or by its id as the control plane spells it (Fetch v13+). */
export type TopicKey = { readonly name: string } | { readonly id: string };

/** The first Produce and Fetch versions with currentLeader and nodeEndpoints filled on a refusal. */
export const PRODUCE_LEADER_HINT_VERSION = 10;
export const FETCH_LEADER_HINT_VERSION = 16;

/** Collects the hints of one response: `leaderOf` per refused partition, then `endpoints()` once. */
export class LeaderHints {
  readonly #view: MetadataView | undefined;
  readonly #self: number;
  #live: ReturnType<typeof liveBrokersOf> | undefined;
  readonly #named = new Map<number, NodeEndpoint>();

  /** `view`: this broker's cached cluster metadata (undefined: none yet, so no hints). */
  constructor(view: MetadataView | undefined, self: number) {
    this.#view = view;
    this.#self = self;
  }

  /** The partition's leader when `errorCode` is a leadership refusal and another live broker leads it. */
  leaderOf(topic: TopicKey, partition: number, errorCode: number): CurrentLeader | undefined {
    if (errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && errorCode !== ErrorCode.FENCED_LEADER_EPOCH)
      return undefined;
    const view = this.#view;
    if (!view) return undefined;
    const p = (
      "name" in topic ? view.topicsByName.get(topic.name) : view.topicsById.get(topic.id)
    )?.partitions.find((q) => q.partition === partition);
    if (!p || p.leaderBrokerId < 0 || p.leaderBrokerId === this.#self) return undefined;
    this.#live ??= liveBrokersOf(view.metadata, this.#self);
    const broker = this.#live.brokers.find((b) => b.brokerId === p.leaderBrokerId);
    if (!broker) return undefined;
    this.#named.set(broker.brokerId, nodeEndpointOf(broker));
    return { leaderId: broker.brokerId, leaderEpoch: p.leaderEpoch };
  }

  /** The endpoints of the leaders named so far (each once). */
  endpoints(): NodeEndpoint[] {
    return [...this.#named.values()];
  }
}
