import { INTERNAL_PREFIX } from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app-context.ts";
import { authenticateBroker } from "../../auth/authenticate.ts";
import { brokerRoutes } from "./broker-routes.ts";
import { instanceWalVolumeRoutes } from "./instance-wal-volume-routes.ts";
import { metadataRoutes } from "./metadata-routes.ts";
import { objectRoutes } from "./object-routes.ts";
import { reassignmentRoutes } from "./reassignment-routes.ts";
import { securityRoutes } from "./security-routes.ts";

/** The broker API under /internal/v1, authenticated with per-cluster broker credentials. */
export function internalApi(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.decorateRequest("brokerClusterId", null);
    app.decorateRequest("brokerInstanceId", null);
    app.addHook("onRequest", authenticateBroker(ctx.database.db));
    await app.register(brokerRoutes(ctx));
    await app.register(instanceWalVolumeRoutes(ctx));
    await app.register(metadataRoutes(ctx));
    await app.register(objectRoutes(ctx));
    await app.register(reassignmentRoutes(ctx));
    await app.register(securityRoutes(ctx));
  };
}

export { INTERNAL_PREFIX };
