import type { FastifyInstance } from "fastify";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import { OperationView } from "../../api-schemas/operations.ts";
import { RebalancePlanView } from "../../api-schemas/rebalance.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { getCluster } from "../../services/clusters.ts";
import { planRebalance, startRebalance } from "../../services/rebalance.ts";

export function rebalanceRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["rebalance"];

    r.get(
      "/clusters/:id/rebalance/plan",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "Plan (dry run): the moves that would even out partitions",
          params: IdPath,
          response: withProblems({ 200: RebalancePlanView }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return planRebalance(db, request.params.id);
      },
    );

    r.post(
      "/clusters/:id/rebalance",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary: "Execute a fresh plan as an operation",
          params: IdPath,
          response: withProblems({ 202: OperationView }),
        },
      },
      async (request, reply) =>
        reply.code(202).send(await startRebalance(db, request.params.id, request.principal!.tokenId)),
    );
  };
}
