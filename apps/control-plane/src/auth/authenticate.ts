import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/database.ts";
import { ApiError } from "../errors.ts";
import { clusterIdOfBrokerToken } from "../services/clusters.ts";
import { ownerOfInstanceCredential } from "../services/instance-credentials.ts";
import type { ApiTokens, Principal } from "./api-tokens.ts";
import { type Scope, scopeAllows } from "./scopes.ts";
import { bearerToken, hashSecret } from "./token-secrets.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The API token's owner (public API), set by authenticateApiToken. */
    principal: Principal | null;
    /** The cluster of the broker credential (internal API), set by authenticateBroker. */
    brokerClusterId: string | null;
    /** The instance an instance credential is bound to (null for the cluster's broker credential). */
    brokerInstanceId: string | null;
  }
  interface FastifyContextConfig {
    /** The least scope a route needs (default: admin, so a forgotten scope fails closed). */
    scope?: Scope;
  }
}

/** onRequest hook of the public API: a valid token whose scope covers the route's `config.scope`. */
export function authenticateApiToken(tokens: ApiTokens) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const secret = bearerToken(request.headers.authorization);
    if (!secret) throw new ApiError("UNAUTHORIZED", "send Authorization: Bearer <token>");
    const checked = await tokens.check(secret);
    if ("refused" in checked) {
      if (checked.refused === "expired") {
        throw new ApiError("TOKEN_EXPIRED", "the token has expired: create a new one (an admin can)");
      }
      throw new ApiError("UNAUTHORIZED", "the token is unknown or revoked");
    }
    const { principal } = checked;
    const required = request.routeOptions.config.scope ?? "admin";
    if (!scopeAllows(principal.scope, required)) {
      throw new ApiError("FORBIDDEN", `this route needs scope ${required}; the token has ${principal.scope}`);
    }
    request.principal = principal;
  };
}

/** onRequest hook of the internal API: a cluster's broker credential. Cached briefly (hot path). */
export function authenticateBroker(db: Db, cacheMs = 2_000) {
  const cache = new Map<
    string,
    { clusterId: string | undefined; instanceId: string | null; until: number }
  >();
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const secret = bearerToken(request.headers.authorization);
    if (!secret) throw new ApiError("UNAUTHORIZED", "send Authorization: Bearer <cluster broker token>");
    const now = Date.now();
    // Keyed by hash: no plaintext credential is kept in memory longer than the request.
    const key = hashSecret(secret);
    let entry = cache.get(key);
    if (!entry || entry.until <= now) {
      if (cache.size > 1_000) cache.clear();
      const clusterId = await clusterIdOfBrokerToken(db, secret);
      // Otherwise an instance credential (issued for a verified cloud instance identity), bound to its instance.
      const instance = clusterId ? undefined : await ownerOfInstanceCredential(db, secret);
      entry = {
        clusterId: clusterId ?? instance?.clusterId,
        instanceId: instance?.instanceId ?? null,
        until: now + cacheMs,
      };
      cache.set(key, entry);
    }
    if (!entry.clusterId) throw new ApiError("UNAUTHORIZED", "unknown broker credential");
    request.brokerClusterId = entry.clusterId;
    request.brokerInstanceId = entry.instanceId;
  };
}
