import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import { OperationView } from "../../api-schemas/operations.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { startPartitionMoves } from "../../services/partition-moves.ts";

const MovesRequest = Type.Object(
  {
    moves: Type.Array(
      Type.Object(
        {
          topic: Type.String({ minLength: 1, maxLength: 249 }),
          partition: Type.Integer({ minimum: 0 }),
          /** The broker that is to lead the partition. */
          to: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

/** POST /v1/clusters/:id/partitions/moves: move named partitions to named brokers (an operation). */
export function partitionMoveRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      "/clusters/:id/partitions/moves",
      {
        config: { scope: "operator" },
        schema: {
          tags: ["rebalance"],
          summary: "Move partitions to named brokers (operation cluster.rebalance)",
          params: IdPath,
          body: MovesRequest,
          response: withProblems({ 202: OperationView }),
        },
      },
      async (request, reply) => {
        const op = await startPartitionMoves(
          ctx.database.db,
          request.params.id,
          request.body.moves,
          request.principal!.tokenId,
        );
        ctx.wakeControllers();
        return reply.code(202).send(op);
      },
    );
  };
}
