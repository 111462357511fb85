import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IdPath, problemResponse, withProblems } from "../../api-schemas/common.ts";
import {
  GroupPath,
  GroupSummary,
  GroupView,
  OffsetResetRequest,
  OffsetResetResult,
} from "../../api-schemas/consumer-groups.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { getCluster } from "../../services/clusters.ts";
import { resetGroupOffsets } from "../../services/consumer-group-offset-reset.ts";
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

    r.post(
      "/clusters/:id/consumer-groups/:group/offsets/reset",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary:
            "Reset a consumer group's offsets (earliest, latest, a timestamp or an offset); a dry run by default",
          description:
            "Computes each partition's new offset (per topic, or every partition the group has committed) and " +
            "returns the committed offset before and after. With `dryRun: false` it commits them, which Kafka " +
            "allows only while the group has no member: a group in another state than Empty is a 409.",
          params: GroupPath,
          body: OffsetResetRequest,
          response: withProblems({
            200: OffsetResetResult,
            404: problemResponse(
              "No such cluster or topic, or the group has no committed offset and no topic was named",
            ),
            409: problemResponse("The group has members (not Empty): stop its consumers first"),
            503: brokersUnavailable(),
          }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return resetGroupOffsets(db, request.params.id, request.params.group, request.body);
      },
    );
  };
}
