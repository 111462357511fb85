import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { problemResponse, unauthorizedResponse } from "../api-schemas/common.ts";
import type { AppContext } from "../app-context.ts";
import { authenticateApiToken } from "../auth/authenticate.ts";

/** The Prometheus text format, as its own content type says (prom-client's registry sends it). */
const Exposition = Type.Unsafe<string>({
  description: "Prometheus text exposition format 0.0.4",
  content: { "text/plain": { schema: { type: "string" } } },
});

/**
 * GET /metrics: the control plane's Prometheus metrics. Not public like the health checks: it shares
 * the API's port, and the label values name clusters and routes. Any API token may scrape; the least,
 * scope `metrics`, can do nothing else.
 */
export function metricsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", authenticateApiToken(ctx.tokens));
    app.get(
      "/metrics",
      {
        config: { scope: "metrics" },
        schema: {
          tags: ["metrics"],
          summary:
            "Prometheus metrics: HTTP requests, controller passes, operations and brokers (any token; scope metrics is enough)",
          produces: ["text/plain"],
          response: {
            200: Exposition,
            401: unauthorizedResponse(),
            500: problemResponse("Internal error"),
          },
        },
      },
      async (_request, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.scrape()),
    );
  };
}
