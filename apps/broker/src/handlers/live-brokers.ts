// Which brokers a client is shown (Metadata, DescribeCluster): the ACTIVE and DRAINING ones, and as controller
// the control plane's pick when it is one of them, else this broker (clients only need a live node there).
// A broker's rack is its availability zone: rack-aware clients (KIP-392 follower fetching, rack-aware
// assignors) and `kafka-topics --describe` read it from Metadata and DescribeCluster.
import type { BrokerEndpoint, ClusterMetadata } from "@cirrus/broker-api";

export interface LiveBrokers {
  readonly brokers: ClusterMetadata["brokers"];
  readonly ids: ReadonlySet<number>;
  readonly controllerId: number;
}

export function liveBrokersOf(metadata: ClusterMetadata, self: number): LiveBrokers {
  const brokers = metadata.brokers.filter((b) => b.state === "ACTIVE" || b.state === "DRAINING");
  const ids = new Set(brokers.map((b) => b.brokerId));
  const controllerId =
    metadata.controllerBrokerId >= 0 && ids.has(metadata.controllerBrokerId)
      ? metadata.controllerBrokerId
      : self;
  return { brokers, ids, controllerId };
}

/** The rack clients are shown for a broker: its zone, or null (Kafka's "no rack") when it registered none. */
export function rackOf(broker: BrokerEndpoint): string | null {
  return broker.zone === "" ? null : broker.zone;
}

/** A broker as Metadata lists it and KIP-951's nodeEndpoints name it (one listener: the same endpoint). */
export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function nodeEndpointOf(broker: BrokerEndpoint): NodeEndpoint {
  return { nodeId: broker.brokerId, host: broker.host, port: broker.port, rack: rackOf(broker) };
}
