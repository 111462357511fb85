// DescribeClientQuotas (48): Cirrus enforces no client quotas (no produce/fetch/request-rate throttling), so no
// entity has a quota and the answer lists none, which is what Kafka answers on a cluster where none was set.
// kafka-configs.sh --describe --entity-type users asks it next to DescribeUserScramCredentials. Kafka's checks:
// DESCRIBE_CONFIGS on the CLUSTER; entity types user, client-id, ip; a match type of 0 (exact) needs a name.
import { type ApiKey, type DescribeClientQuotasRequest, ErrorCode } from "@cirrus/kafka-protocol";
import { isClusterAllowed } from "../security/request-authorization.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

const ENTITY_TYPES = new Set(["user", "client-id", "ip"]);

export async function handleDescribeClientQuotas(
  request: DescribeClientQuotasRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeClientQuotas>> {
  const answer = (errorCode: number, errorMessage: string | null) => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    entries: errorCode === ErrorCode.NONE ? [] : null,
  });
  if (!isClusterAllowed(context, "DESCRIBE_CONFIGS"))
    return answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
  const seen = new Set<string>();
  for (const c of request.components) {
    if (!ENTITY_TYPES.has(c.entityType))
      return answer(ErrorCode.INVALID_REQUEST, `Unknown entity type ${c.entityType}`);
    if (seen.has(c.entityType))
      return answer(ErrorCode.INVALID_REQUEST, `Duplicate entity type ${c.entityType}`);
    seen.add(c.entityType);
    if (c.matchType < 0 || c.matchType > 2)
      return answer(ErrorCode.INVALID_REQUEST, `Unknown match type ${c.matchType}`);
    if (c.matchType === 0 && c.match === null)
      return answer(ErrorCode.INVALID_REQUEST, `Exact match of ${c.entityType} needs a name`);
  }
  return answer(ErrorCode.NONE, null);
}

export const describeClientQuotasError = (_: DescribeClientQuotasRequest, errorCode: number) => ({
  throttleTimeMs: 0,
  errorCode,
  errorMessage: null,
  entries: null,
});
