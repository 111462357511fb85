import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { BrokerView, ClusterBrokerPath, MetricsQuery, MetricsView } from "../../api-schemas/brokers.ts";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import { OperationView } from "../../api-schemas/operations.ts";
import { PartitionLoadView } from "../../api-schemas/partition-load.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import {
  BrokerOperation,
  brokerMetrics,
  listBrokers,
  startBrokerOperation,
} from "../../services/broker-views.ts";
import { resolvedWatermarks } from "../../services/cluster-watermarks.ts";
import { getCluster } from "../../services/clusters.ts";
import { listPartitionLoad } from "../../services/partition-load.ts";

export function publicBrokerRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["brokers"];

    r.get(
      "/clusters/:id/brokers",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "Brokers with state, zone, instance, spot, lease and load",
          params: IdPath,
          response: withProblems({ 200: Type.Object({ items: Type.Array(BrokerView) }) }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await listBrokers(db, request.params.id) };
      },
    );

    r.get(
      "/clusters/:id/partitions/load",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "Per-partition bytes in/out as the leaders report them, busiest first",
          description:
            "Each partition's rates from its leader's last heartbeat and their moving average (time constant " +
            "60 s). Only partitions whose leader reported in the last hour are listed.",
          params: IdPath,
          response: withProblems({ 200: Type.Object({ items: Type.Array(PartitionLoadView) }) }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await listPartitionLoad(db, request.params.id) };
      },
    );

    for (const [action, type] of [
      ["drain", BrokerOperation.DRAIN],
      ["replace", BrokerOperation.REPLACE],
    ] as const) {
      r.post(
        `/clusters/:id/brokers/:brokerId/${action}`,
        {
          config: { scope: "operator" },
          schema: {
            tags,
            summary:
              action === "drain"
                ? "Move a broker's partitions away (operation)"
                : "Replace a broker's instance (operation)",
            params: ClusterBrokerPath,
            response: withProblems({ 202: OperationView }),
          },
        },
        async (request, reply) => {
          const op = await startBrokerOperation(
            db,
            request.params.id,
            request.params.brokerId,
            type,
            request.principal!.tokenId,
          );
          ctx.wakeControllers();
          return reply.code(202).send(op);
        },
      );
    }

    r.get(
      "/clusters/:id/metrics",
      {
        config: { scope: "viewer" },
        schema: {
          tags: ["metrics"],
          summary: "Per-broker network in/out time series",
          params: IdPath,
          querystring: MetricsQuery,
          response: withProblems({ 200: MetricsView }),
        },
      },
      async (request) => {
        const cluster = await getCluster(db, request.params.id);
        const to = request.query.to ?? Date.now();
        const from = request.query.from ?? to - 3600_000;
        return {
          ...(await brokerMetrics(db, request.params.id, from, to, request.query.stepSeconds)),
          watermarks: resolvedWatermarks(
            cluster.spec,
            ctx.config.brokerNetworkBytesPerSec,
            ctx.brokerCapacity,
          ),
        };
      },
    );
  };
}
