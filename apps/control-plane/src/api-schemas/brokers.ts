import { BrokerState } from "@cirrus/broker-api";
import { Type } from "@sinclair/typebox";
import { ClusterWatermarks } from "./cluster-events.ts";
import { Millis } from "./common.ts";

export const BrokerView = Type.Object({
  brokerId: Type.Integer({ minimum: 0 }),
  instanceId: Type.String(),
  zone: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  volumeId: Type.Union([Type.String(), Type.Null()]),
  /** The broker's admin HTTP port (/metrics, /healthz, /readyz) on `host`; null if it did not register one. */
  adminPort: Type.Union([Type.Integer(), Type.Null()]),
  /** Where Prometheus scrapes this broker: http://host:adminPort/metrics (null without an admin port). */
  metricsUrl: Type.Union([Type.String(), Type.Null()]),
  /** A spot instance, as the provider lists it (set by the provisioner, never taken from the broker). */
  spot: Type.Boolean(),
  /** The instance type as the provider lists the broker's instance; null until the provisioner has seen it. */
  instanceType: Type.Union([Type.String(), Type.Null()]),
  state: BrokerState,
  epoch: Type.Integer({ minimum: 0 }),
  leaseUntil: Millis,
  partitions: Type.Integer({ minimum: 0 }),
  load: Type.Object({ bytesInPerSec: Type.Number(), bytesOutPerSec: Type.Number() }),
  registeredAt: Millis,
});

export const ClusterBrokerPath = Type.Object(
  { id: Type.String({ format: "uuid" }), brokerId: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }) },
  { additionalProperties: false },
);

export const MetricsQuery = Type.Object(
  {
    /** Window start, ms since the Unix epoch (default: an hour ago). */
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Bucket width of the series. */
    stepSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
  },
  { additionalProperties: false },
);

export const BrokerSeries = Type.Object({
  brokerId: Type.Integer({ minimum: 0 }),
  points: Type.Array(
    Type.Object({ at: Millis, bytesInPerSec: Type.Number(), bytesOutPerSec: Type.Number() }),
  ),
});
export const MetricsView = Type.Object({
  from: Millis,
  to: Millis,
  stepSeconds: Type.Integer(),
  brokers: Type.Array(BrokerSeries),
  /** The scaling watermarks to draw on the series, in bytes/s per broker. */
  watermarks: ClusterWatermarks,
});
