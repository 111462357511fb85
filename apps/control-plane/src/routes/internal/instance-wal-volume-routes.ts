// GET /internal/v1/instances/:instanceId/wal-volume: the WAL volume the control plane attached for a cloud
// instance (services/instance-wal-volume.ts). An instance credential answers for its own instance only.
import { InstancePath, InstanceWalVolumeResponse, InternalRoutes } from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { walVolumeOfInstance } from "../../services/instance-wal-volume.ts";

export function instanceWalVolumeRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      InternalRoutes.instanceWalVolume,
      {
        schema: {
          tags: ["internal"],
          summary: "The WAL volume attached for a cloud instance (null until the provisioner attached it)",
          params: InstancePath,
          response: withProblems({ 200: InstanceWalVolumeResponse }),
        },
      },
      async (request) => {
        const bound = request.brokerInstanceId;
        const { instanceId } = request.params;
        if (bound !== null && bound !== instanceId) {
          throw new ApiError(
            "FORBIDDEN",
            `this credential belongs to instance ${bound}; it cannot read the volume of ${instanceId}`,
          );
        }
        return {
          volumeId: await walVolumeOfInstance(ctx.database.db, request.brokerClusterId!, instanceId),
        };
      },
    );
  };
}
