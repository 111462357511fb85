import { desc, lt } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { AuditEntry, AuditQuery } from "../../api-schemas/audit.ts";
import { Page, withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { auditLog } from "../../db/schema.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";

export function auditRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      "/audit-log",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["audit"],
          summary: "Who did what, newest first",
          querystring: AuditQuery,
          response: withProblems({ 200: Page(AuditEntry) }),
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await ctx.database.db
          .select()
          .from(auditLog)
          .where(cursor ? lt(auditLog.id, Number(cursor)) : undefined)
          .orderBy(desc(auditLog.id))
          .limit(limit + 1);
        const items = rows
          .slice(0, limit)
          .map((row) => ({ ...row, details: row.details as Record<string, unknown> }));
        return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]!.id) : null };
      },
    );
  };
}
