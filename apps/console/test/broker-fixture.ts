import type { Broker } from "../src/api/types.ts";

/** A broker as GET /v1/clusters/{id}/brokers lists it, for the console's unit tests. */
export const broker = (brokerId: number, overrides: Partial<Broker> = {}): Broker => ({
  brokerId,
  instanceId: `i-${brokerId}`,
  zone: "a",
  host: "127.0.0.1",
  port: 9000 + brokerId,
  volumeId: null,
  adminPort: null,
  metricsUrl: null,
  spot: false,
  instanceType: null,
  state: "ACTIVE",
  epoch: 1,
  leaseUntil: 0,
  partitions: 0,
  load: { bytesInPerSec: 0, bytesOutPerSec: 0 },
  registeredAt: 0,
  ...overrides,
});
