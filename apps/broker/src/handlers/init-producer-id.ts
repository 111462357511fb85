// InitProducerId v0–5. Idempotent producers: a producer id no broker ever handed out before (see
// producers/producer-id-allocator.ts) at epoch 0. Transactional producers: the transaction coordinator of
// the id (transactions/txn-shard.ts) answers, bumping the epoch of a known id (fencing older instances).
import { type ApiKey, ErrorCode, type InitProducerIdRequest } from "@cirrus/kafka-protocol";
import { groupServicesOf } from "./group-services.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";
import { fencedFor } from "./transaction-handlers.ts";
import { txnServicesOf } from "./txn-services.ts";

export async function handleInitProducerId(
  request: InitProducerIdRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.InitProducerId>> {
  const failed = (errorCode: number) => ({
    throttleTimeMs: 0,
    errorCode,
    producerId: -1n,
    producerEpoch: -1,
  });
  if (request.transactionalId !== null && request.transactionalId !== undefined) {
    if (request.transactionalId === "") return failed(ErrorCode.INVALID_REQUEST);
    const shard = await txnServicesOf(context.services).coordinator.shardFor(request.transactionalId);
    if (typeof shard === "number") return failed(shard);
    const result = await shard.initProducerId(request.transactionalId, request.transactionTimeoutMs, {
      producerId: request.producerId ?? -1n,
      producerEpoch: request.producerEpoch ?? -1,
    });
    return { throttleTimeMs: 0, ...result, errorCode: fencedFor(result.errorCode, context.apiVersion, 4) };
  }
  let producerId: bigint | null;
  try {
    producerId = groupServicesOf(context.services).producerIds.allocate();
  } catch {
    return failed(ErrorCode.UNKNOWN_SERVER_ERROR);
  }
  // Not registered with the control plane (yet, or fenced and re-registering): retriable.
  if (producerId === null) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
}
