// ApiVersions: the APIs this broker serves and their version ranges. Unsupported request versions are
// answered by the dispatcher (KIP-511: a v0 body with UNSUPPORTED_VERSION), never reach this handler.
import { type ApiKey, type ApiVersionsRequest, ErrorCode } from "@cirrus/kafka-protocol";
import type { RequestContext, ResponseOf } from "./handler.ts";

export async function handleApiVersions(
  _request: ApiVersionsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.ApiVersions>> {
  return {
    errorCode: ErrorCode.NONE,
    apiKeys: context.services.apiVersions(),
    throttleTimeMs: 0,
  };
}
