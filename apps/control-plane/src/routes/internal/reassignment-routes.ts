import {
  CancelReassignmentsRequest,
  CancelReassignmentsResponse,
  InternalRoutes,
  ReassignmentsInFlight,
  ReassignPartitionsRequest,
  ReassignPartitionsResponse,
} from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import {
  cancelReassignments,
  listReassignments,
  startReassignments,
} from "../../services/partition-reassignments.ts";

/**
 * Kafka's AlterPartitionReassignments / ListPartitionReassignments on behalf of brokers: moves through the
 * control plane's one move executor (services/partition-reassignments.ts).
 */
export function reassignmentRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;

    r.post(
      InternalRoutes.partitionReassignments,
      {
        schema: {
          tags: ["internal"],
          summary: "Move partitions to named brokers (one cluster.rebalance operation); an outcome per move",
          body: ReassignPartitionsRequest,
          response: withProblems({ 200: ReassignPartitionsResponse }),
        },
      },
      async (request) => {
        const receivedAt = Date.now();
        const createdBy = `broker:${request.brokerInstanceId ?? "cluster-credential"}`;
        const { moves, timeoutMs } = request.body;
        const deadline = timeoutMs === undefined ? undefined : { receivedAt, timeoutMs };
        const answer = await startReassignments(db, request.brokerClusterId!, moves, createdBy, deadline);
        if (answer.operationId !== null) ctx.wakeControllers();
        return answer;
      },
    );

    r.post(
      InternalRoutes.cancelReassignments,
      {
        schema: {
          tags: ["internal"],
          summary: "Cancel queued partition moves (Kafka's null replicas); an outcome per partition",
          body: CancelReassignmentsRequest,
          response: withProblems({ 200: CancelReassignmentsResponse }),
        },
      },
      async (request) => {
        const answer = await cancelReassignments(db, request.brokerClusterId!, request.body.partitions);
        if (answer.results.some((r) => r.outcome === "CANCELLED")) ctx.wakeControllers();
        return answer;
      },
    );

    r.get(
      InternalRoutes.partitionReassignments,
      {
        schema: {
          tags: ["internal"],
          summary: "The cluster's partition moves not finished yet",
          response: withProblems({ 200: ReassignmentsInFlight }),
        },
      },
      async (request) => listReassignments(db, request.brokerClusterId!),
    );
  };
}
