import type { FastifyInstance } from "fastify";
import { IdPath, Page, withProblems } from "../../api-schemas/common.ts";
import { OperationsQuery, OperationView } from "../../api-schemas/operations.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import { decodeCursor, pageOf } from "../../http/cursor.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { moveTimingsOf } from "../../services/move-timings.ts";
import { getOperation, listOperations } from "../../services/operations.ts";

/** The operations that move partitions: their GET lists each move with its timings. */
const MOVING_OPERATIONS: ReadonlySet<string> = new Set(["cluster.rebalance", "broker.drain"]);

export function operationRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["operations"];

    r.get(
      "/operations",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "List operations, newest first",
          querystring: OperationsQuery,
          response: withProblems({ 200: Page(OperationView) }),
        },
      },
      async (request) => {
        const { limit, cursor, clusterId, status } = request.query;
        const filter = { ...(clusterId ? { clusterId } : {}), ...(status ? { status } : {}) };
        return pageOf(await listOperations(db, filter, limit + 1, decodeCursor(cursor)), limit);
      },
    );

    r.get(
      "/operations/:id",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary:
            "Get an operation: status, steps with timings, progress, error; for a rebalance or drain, each partition move with its timings",
          params: IdPath,
          response: withProblems({ 200: OperationView }),
        },
      },
      async (request) => {
        const op = await getOperation(db, request.params.id);
        if (!op) throw new ApiError("NOT_FOUND", `operation ${request.params.id} not found`);
        return MOVING_OPERATIONS.has(op.type) ? { ...op, moves: await moveTimingsOf(db, op.id) } : op;
      },
    );
  };
}
