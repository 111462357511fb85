import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app-context.ts";
import { authenticateApiToken } from "../../auth/authenticate.ts";
import { registerAudit } from "../../http/audit.ts";
import { registerIdempotency } from "../../http/idempotency.ts";
import { auditRoutes } from "./audit-routes.ts";
import { publicBrokerRoutes } from "./broker-routes.ts";
import { clusterEventRoutes } from "./cluster-event-routes.ts";
import { clusterListEventRoutes } from "./cluster-list-event-routes.ts";
import { clusterRoutes } from "./cluster-routes.ts";
import { consumerGroupRoutes } from "./consumer-group-routes.ts";
import { operationEventRoutes } from "./operation-event-routes.ts";
import { operationRoutes } from "./operation-routes.ts";
import { partitionMoveRoutes } from "./partition-move-routes.ts";
import { rebalanceRoutes } from "./rebalance-routes.ts";
import { securityRoutes } from "./security-routes.ts";
import { spotReclaimRoutes } from "./spot-reclaim.ts";
import { tokenRoutes } from "./token-routes.ts";
import { topicMessageRoutes } from "./topic-message-routes.ts";
import { topicRoutes } from "./topic-routes.ts";

/** The public API under /v1: every route needs an API token whose scope covers it. */
export function publicApi(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", authenticateApiToken(ctx.tokens));
    registerIdempotency(app, ctx.database.db);
    registerAudit(app, ctx.database.db);
    await app.register(clusterRoutes(ctx));
    await app.register(publicBrokerRoutes(ctx));
    await app.register(spotReclaimRoutes(ctx));
    await app.register(topicRoutes(ctx));
    await app.register(topicMessageRoutes(ctx));
    await app.register(consumerGroupRoutes(ctx));
    await app.register(operationRoutes(ctx));
    await app.register(operationEventRoutes(ctx));
    await app.register(clusterEventRoutes(ctx));
    await app.register(clusterListEventRoutes(ctx));
    await app.register(rebalanceRoutes(ctx));
    await app.register(partitionMoveRoutes(ctx));
    await app.register(securityRoutes(ctx));
    await app.register(tokenRoutes(ctx));
    await app.register(auditRoutes(ctx));
  };
}
