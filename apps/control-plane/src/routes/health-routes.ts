import { Type } from "@sinclair/typebox";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { problemResponse } from "../api-schemas/common.ts";
import type { AppContext } from "../app-context.ts";
import { ApiError } from "../errors.ts";

const Health = Type.Object({ status: Type.Literal("ok") });

/** Health checks: the only routes without a token. */
export function healthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      "/healthz",
      { schema: { tags: ["health"], summary: "The process is up", security: [], response: { 200: Health } } },
      async () => ({ status: "ok" as const }),
    );
    app.get(
      "/readyz",
      {
        schema: {
          tags: ["health"],
          summary: "The database answers",
          security: [],
          response: { 200: Health, 503: problemResponse("The database does not answer") },
        },
      },
      async () => {
        try {
          await ctx.database.db.execute(sql`select 1`);
        } catch (error) {
          throw new ApiError("UNAVAILABLE", "the database does not answer", { cause: error });
        }
        return { status: "ok" as const };
      },
    );
  };
}
