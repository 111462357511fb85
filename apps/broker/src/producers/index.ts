// The idempotent-producer seam of the broker. The Produce handler (handlers/produce.ts) holds a
// ProducerBatchGate (handlers/handler.ts); ProducerStateManager is that gate:
//   admit(partition, header, baseOffset) synchronously before the append → "append" | "duplicate"
//     (answer the original base offset) | "reject" (Kafka error code: INVALID_PRODUCER_EPOCH,
//     OUT_OF_ORDER_SEQUENCE_NUMBER, DUPLICATE_SEQUENCE_NUMBER, or a retriable one while state loads);
//   settle(partition, header, baseOffset, ok) once the append is durable (ok) or failed (undo).
// Call load(partition) when a partition opens so its state is rebuilt from its stream before the first
// idempotent produce (otherwise the first one is answered NOT_ENOUGH_REPLICAS, retriable, while it loads).
// ProducerIdAllocator hands out InitProducerId's ids.
export {
  type AdmitVerdict,
  BATCHES_PER_PRODUCER,
  PartitionProducerState,
} from "./partition-producer-state.ts";
export { type BrokerIdentity, ProducerIdAllocator } from "./producer-id-allocator.ts";
export {
  defaultProducerStateOptions,
  ProducerStateManager,
  type ProducerStateManagerOptions,
  rebuildProducerState,
} from "./producer-state-manager.ts";
