import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IdPath, problemResponse, withProblems } from "../../api-schemas/common.ts";
import { GroupPath, GroupSummary, GroupView } from "../../api-schemas/consumer-groups.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { getCluster } from "../../services/clusters.ts";
import { describeGroup, listGroups } from "../../services/consumer-groups.ts";

const brokersUnavailable = () =>
  problemResponse("No active broker, or a broker that had to be asked did not answer: retry");

/** Consumer groups, asked of the brokers' group coordinators over the Kafka protocol. */
export function consumerGroupRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["consumer-groups"];

    r.get(
      "/clusters/:id/consumer-groups",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "List consumer groups with their state (ListGroups of every active broker)",
          params: IdPath,
          response: withProblems({
            200: Type.Object({ items: Type.Array(GroupSummary) }),
            503: brokersUnavailable(),
          }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await listGroups(db, request.params.id) };
      },
    );

    r.get(
      "/clusters/:id/consumer-groups/:group",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "A consumer group: members and their assignments, committed offsets and lag per partition",
          params: GroupPath,
          response: withProblems({ 200: GroupView, 503: brokersUnavailable() }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return describeGroup(db, request.params.id, request.params.group);
      },
    );
  };
}
