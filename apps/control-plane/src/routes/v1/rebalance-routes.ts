import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import { OperationView } from "../../api-schemas/operations.ts";
import { RebalancePlanView, RebalanceRequest } from "../../api-schemas/rebalance.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { planRebalance, startRebalance } from "../../services/rebalance.ts";

export function rebalanceRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["rebalance"];
    const context = () => ({ config: ctx.config, now: Date.now(), capacityOf: ctx.brokerCapacity });

    r.get(
      "/clusters/:id/rebalance/plan",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "The balancer's plan now (dry run): moves with reasons, broker loads before and after",
          params: IdPath,
          response: withProblems({ 200: RebalancePlanView }),
        },
      },
      async (request) => planRebalance(db, request.params.id, context()),
    );

    r.post(
      "/clusters/:id/rebalance",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary:
            "Preview the balancer's plan (default, 200), or start it as an operation (dryRun: false, 202)",
          description:
            "A dry run (no body, or `dryRun` true) answers the plan and changes nothing. `dryRun: false` plans " +
            "afresh and starts the moves as a `cluster.rebalance` operation whose input holds the plan (moves, " +
            "reasons, loads before and after, goals) and whose progress follows the moves; 409 INVALID_STATE " +
            "when nothing is worth moving, 409 CONFLICT while another rebalance of the cluster runs.",
          params: IdPath,
          body: Type.Optional(RebalanceRequest),
          response: withProblems({ 200: RebalancePlanView, 202: OperationView }),
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const options = body.maxMoves !== undefined ? { maxMoves: body.maxMoves } : {};
        if (body.dryRun ?? true)
          return reply.code(200).send(await planRebalance(db, request.params.id, context(), options));
        const { operation } = await startRebalance(
          db,
          request.params.id,
          request.principal!.tokenId,
          context(),
          options,
        );
        return reply.code(202).send(operation);
      },
    );
  };
}
