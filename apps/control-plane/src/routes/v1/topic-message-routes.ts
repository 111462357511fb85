import type { FastifyInstance } from "fastify";
import { problemResponse, withProblems } from "../../api-schemas/common.ts";
import {
  MessagesQuery,
  MessagesView,
  ProducedMessage,
  ProduceMessageRequest,
  TopicOffsetsView,
  TopicPartitionPath,
} from "../../api-schemas/topic-messages.ts";
import { ClusterTopicPath } from "../../api-schemas/topics.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { getCluster } from "../../services/clusters.ts";
import { parseMessageFilter } from "../../services/message-filter.ts";
import { parseMessageTimestamp } from "../../services/message-timestamp.ts";
import { topicPartitionOffsets } from "../../services/partition-offsets.ts";
import {
  DEFAULT_SCAN_BYTES,
  DEFAULT_SCAN_RECORDS,
  produceMessage,
  readMessages,
} from "../../services/topic-messages.ts";

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
            "Read a partition's records, newest first: up to `limit` before offset `before` (default: the end), or from `timestamp` on (the first record at or after it, by Kafka's ListOffsets on the leader; past the last record an empty page). Filters (`key`, `value`, `header`: contains, case-insensitive; `json`: a field's value) keep only the records that match all of them, scanning on the server within a budget (`scanRecords`, `scanBytes`); `scan` says which offsets were scanned so the next page continues there. 400 for a bad time, both starts or a bad `json` filter; 503 while it has no reachable leader",
          params: TopicPartitionPath,
          querystring: MessagesQuery,
          response: withProblems({ 200: MessagesView, 503: leaderUnavailable() }),
        },
      },
      async (request) => {
        const { before, timestamp, limit, scanRecords, scanBytes, ...filters } = request.query;
        if (before !== undefined && timestamp !== undefined)
          throw new ApiError(
            "INVALID_REQUEST",
            "querystring: give `before` (an offset) or `timestamp` (a time), not both",
          );
        const from = timestamp === undefined ? undefined : parseMessageTimestamp(timestamp);
        const filter = parseMessageFilter(filters);
        await getCluster(db, request.params.id);
        return readMessages(db, request.params.id, request.params.name, request.params.partition, {
          ...(before === undefined ? {} : { before }),
          ...(from === undefined ? {} : { timestamp: from }),
          limit: limit ?? 50,
          filter,
          scan: {
            records: scanRecords ?? DEFAULT_SCAN_RECORDS,
            bytes: scanBytes ?? DEFAULT_SCAN_BYTES,
          },
        });
      },
    );

    r.get(
      "/clusters/:id/topics/:name/offsets",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary:
            "A topic's partitions with their log start and end offsets and record count (end - start), asked of each leader (ListOffsets); null offsets for a partition whose leader is missing or did not answer",
          params: ClusterTopicPath,
          response: withProblems({ 200: TopicOffsetsView }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await topicPartitionOffsets(db, request.params.id, request.params.name) };
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
