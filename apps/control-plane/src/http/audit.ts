import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/database.ts";
import { auditLog } from "../db/schema.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Records who did what: every mutating call of the public API, with its outcome, including the
 * refused ones (a 403 is worth knowing about). Reads are not recorded.
 */
export function registerAudit(app: FastifyInstance, db: Db): void {
  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    // Anonymous calls (401) are not recorded: they would let anyone fill the log.
    if (!MUTATING.has(request.method) || !request.principal) return;
    const route = request.routeOptions.url ?? "unknown";
    try {
      await db.insert(auditLog).values({
        at: Date.now(),
        tokenId: request.principal.tokenId,
        action: `${request.method} ${route}`,
        resource: request.url.split("?")[0]!.slice(0, 1024),
        status: reply.statusCode,
        requestId: request.id,
        details: { tokenName: request.principal.name, scope: request.principal.scope },
      });
    } catch (error) {
      request.log.error({ err: error }, "audit log write failed");
    }
  });
}
