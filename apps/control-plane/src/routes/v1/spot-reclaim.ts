import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ClusterBrokerPath } from "../../api-schemas/brokers.ts";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";

/** AWS's spot interruption notice window; request bodies are validated, not filled with defaults. */
const DEFAULT_NOTICE_SECONDS = 120;

const SpotReclaimRequest = Type.Object(
  {
    /** How long the broker has between the notice and the hard kill (AWS gives 120 s, Alibaba 300 s). */
    noticeSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 3_600, default: DEFAULT_NOTICE_SECONDS }),
    ),
  },
  { additionalProperties: false },
);

const SpotReclaimAccepted = Type.Object({
  instanceId: Type.String(),
  /** When the instance is killed, ms since the Unix epoch. */
  deadline: Type.Integer(),
});

/** POST /v1/clusters/:id/brokers/:brokerId/spot-reclaim: simulate a spot reclaim (local provider). */
export function spotReclaimRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      "/clusters/:id/brokers/:brokerId/spot-reclaim",
      {
        config: { scope: "operator" },
        schema: {
          tags: ["brokers"],
          summary:
            "Simulate a spot reclaim of a broker's instance: a notice now, a hard kill after the notice window (local clusters)",
          params: ClusterBrokerPath,
          body: SpotReclaimRequest,
          response: withProblems({ 202: SpotReclaimAccepted }),
        },
      },
      async (request, reply) => {
        if (!ctx.spotReclaimer) {
          throw new ApiError("INVALID_STATE", "this control plane runs no provisioner: nothing to reclaim");
        }
        const result = await ctx.spotReclaimer.reclaim(
          request.params.id,
          request.params.brokerId,
          (request.body.noticeSeconds ?? DEFAULT_NOTICE_SECONDS) * 1000,
        );
        return reply.code(202).send(result);
      },
    );
  };
}
