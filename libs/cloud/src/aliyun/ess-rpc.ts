import * as $OpenApi from "@alicloud/openapi-client";
import * as $Util from "@alicloud/tea-util";
import type { CloudErrorCode } from "../errors.ts";
import { fromAliyunError } from "./aliyun-errors.ts";

/** The one method of @alicloud/openapi-client's Client that ESS calls go through. */
export interface OpenApiCaller {
  callApi(
    params: $OpenApi.Params,
    request: $OpenApi.OpenApiRequest,
    runtime: $Util.RuntimeOptions,
  ): Promise<{ [key: string]: unknown }>;
}

export type RpcValue =
  | string
  | number
  | boolean
  | undefined
  | readonly RpcValue[]
  | { readonly [key: string]: RpcValue };

/**
 * Flattens RPC arguments into query parameters the way Alibaba's RPC APIs number repeated fields:
 * `InstanceId: ["a", "b"]` → `InstanceId.1=a&InstanceId.2=b`, `Tag: [{Key: "k"}]` → `Tag.1.Key=k`.
 * undefined values are left out.
 */
export function flattenRpcQuery(args: Record<string, RpcValue>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string, value: RpcValue) => {
    if (value === undefined) return;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(`${prefix}.${i + 1}`, v);
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v as RpcValue);
    } else out[prefix] = String(value);
  };
  for (const [k, v] of Object.entries(args)) walk(k, v);
  return out;
}

export const ESS_VERSION = "2014-08-28";

/**
 * ESS (Auto Scaling) API 2014-08-28 over the generic OpenAPI client, RPC style: the generated ESS SDK
 * is not published on the npm registry, so actions are called by name.
 */
export class EssRpc {
  readonly #client: OpenApiCaller;
  readonly regionId: string;

  constructor(client: OpenApiCaller, regionId: string) {
    this.#client = client;
    this.regionId = regionId;
  }

  /** Calls `action` and returns the response body; errors become CloudErrors (`notFound` for *.NotFound). */
  async call<T = Record<string, unknown>>(
    action: string,
    args: Record<string, RpcValue>,
    notFound?: CloudErrorCode,
  ): Promise<T> {
    const params = new $OpenApi.Params({
      action,
      version: ESS_VERSION,
      protocol: "HTTPS",
      pathname: "/",
      method: "POST",
      authType: "AK",
      style: "RPC",
      reqBodyType: "formData",
      bodyType: "json",
    });
    const request = new $OpenApi.OpenApiRequest({
      query: flattenRpcQuery({ RegionId: this.regionId, ...args }),
    });
    try {
      const response = await this.#client.callApi(
        params,
        request,
        new $Util.RuntimeOptions({ autoretry: false }),
      );
      return (response.body ?? {}) as T;
    } catch (error) {
      throw fromAliyunError(error, `ESS ${action}`, notFound);
    }
  }
}
