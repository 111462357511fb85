// InitProducerId v0–5 for idempotent producers: a producer id no broker ever handed out before (see
// producers/producer-id-allocator.ts) at epoch 0. Transactional ids are refused: transactions are not
// supported, consistently with Produce.
import { type ApiKey, ErrorCode, type InitProducerIdRequest } from "@cirrus/kafka-protocol";
import { groupServicesOf } from "./group-services.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

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
    return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
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
