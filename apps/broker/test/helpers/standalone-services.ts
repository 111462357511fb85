// BrokerServices for a handler or dispatcher test with no cluster behind it: broker 1 at epoch 1, able to ack,
// empty metadata, a control plane and (unless given) a partition registry whose every call rejects.
import { loadBrokerConfig } from "../../src/config.ts";
import { FetchSessionCache } from "../../src/fetch/fetch-session-cache.ts";
import type { BrokerServices } from "../../src/handlers/handler.ts";
import { BrokerMetrics } from "../../src/metrics/broker-metrics.ts";
import { LoadMeter } from "../../src/metrics/load-meter.ts";
import { PartitionRegistry } from "../../src/partitions/partition-registry.ts";

const noControlPlane = () => Promise.reject(new Error("no control plane"));

export function standaloneServices(overrides: Partial<BrokerServices> = {}): BrokerServices {
  return {
    config: loadBrokerConfig({}, {}),
    brokerId: () => 1,
    brokerEpoch: () => 1,
    canAck: () => true,
    shuttingDown: () => false,
    partitions: new PartitionRegistry({
      openStream: () => Promise.reject(new Error("no storage in this test")),
    }),
    metadata: async () => ({ clusterId: "c", version: 1, controllerBrokerId: 1, brokers: [], topics: [] }),
    controlPlane: {
      createTopic: noControlPlane,
      deleteTopic: noControlPlane,
      addPartitions: noControlPlane,
      alterTopicConfigs: noControlPlane,
      reassignPartitions: noControlPlane,
      partitionReassignments: noControlPlane,
      cancelReassignments: noControlPlane,
    },
    metrics: new BrokerMetrics(),
    load: new LoadMeter(),
    fetchSessions: new FetchSessionCache(),
    apiVersions: () => [],
    advertised: () => ({ host: "127.0.0.1", port: 9092 }),
    ...overrides,
  };
}
