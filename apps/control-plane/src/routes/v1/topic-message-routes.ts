import type { FastifyInstance } from "fastify";
import { problemResponse, withProblems } from "../../api-schemas/common.ts";
import {
  MessagesQuery,
  MessagesView,
  ProducedMessage,
  ProduceMessageRequest,
  TopicPartitionPath,
} from "../../api-schemas/topic-messages.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { getCluster } from "../../services/clusters.ts";
import { parseMessageTimestamp } from "../../services/message-timestamp.ts";
import { produceMessage, readMessages } from "../../services/topic-messages.ts";

const leaderUnavailable = () =>
  problemResponse("The partition has no leader now, or its leader did not answer: retry");

/** A partition's records, read and written through its leader (the console's message browser). */
export function topicMessageRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["topics"];

    r.get(
      "/clusters/:id/topics/:name/partitions/:partition/messages",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary:
            "Read a partition's records, newest first: up to `limit` before offset `before` (default: the end), or from `timestamp` on (the first record at or after it, by Kafka's ListOffsets on the leader; past the last record an empty page); 400 for a bad time or both starts; 503 while it has no reachable leader",
          params: TopicPartitionPath,
          querystring: MessagesQuery,
          response: withProblems({ 200: MessagesView, 503: leaderUnavailable() }),
        },
      },
      async (request) => {
        const { before, timestamp, limit } = request.query;
        if (before !== undefined && timestamp !== undefined)
          throw new ApiError(
            "INVALID_REQUEST",
            "querystring: give `before` (an offset) or `timestamp` (a time), not both",
          );
        const from = timestamp === undefined ? undefined : parseMessageTimestamp(timestamp);
        await getCluster(db, request.params.id);
        return readMessages(db, request.params.id, request.params.name, request.params.partition, {
          ...(before === undefined ? {} : { before }),
          ...(from === undefined ? {} : { timestamp: from }),
          limit: limit ?? 50,
        });
      },
    );

    r.post(
      "/clusters/:id/topics/:name/partitions/:partition/messages",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary:
            "Produce one record to a partition (acks=all, through its leader); 503 while it has no reachable leader",
          params: TopicPartitionPath,
          body: ProduceMessageRequest,
          response: withProblems({ 201: ProducedMessage, 503: leaderUnavailable() }),
        },
      },
      async (request, reply) => {
        await getCluster(db, request.params.id);
        const produced = await produceMessage(
          db,
          request.params.id,
          request.params.name,
          request.params.partition,
          request.body,
        );
        return reply.code(201).send(produced);
      },
    );
  };
}
