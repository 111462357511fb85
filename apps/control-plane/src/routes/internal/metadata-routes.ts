import {
  AddPartitionsRequest,
  AlterTopicConfigsRequest,
  ClusterMetadata,
  CreateTopicRequest,
  DeleteTopicResponse,
  InternalRoutes,
  MetadataQuery,
  TopicMetadata,
  TopicPath,
} from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { announcesLeaderOf, readClusterMetadata } from "../../services/cluster-metadata.ts";
import { SharedMetadataReads } from "../../services/shared-metadata-reads.ts";
import { addPartitions, alterTopicConfigs, createTopic, deleteTopic } from "../../services/topics.ts";

/**
 * Metadata and Kafka admin calls (CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs,
 * IncrementalAlterConfigs) on behalf of brokers.
 */
export function metadataRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    // Closing the server answers every waiting successor watch at once (as in broker-routes.ts).
    const closing = new AbortController();
    app.addHook("preClose", async () => closing.abort());
    const successorReads = new SharedMetadataReads(ctx.notifier, (clusterId) =>
      readClusterMetadata(db, clusterId),
    );

    r.get(
      InternalRoutes.metadata,
      {
        schema: {
          tags: ["internal"],
          summary:
            "Brokers, topics, partitions with leaders, leader epochs and streams; with `movedFrom` and `streams`, " +
            "a long poll until those streams are announced as led by another broker (a move's source waiting " +
            "for its target to open)",
          querystring: MetadataQuery,
          response: withProblems({ 200: ClusterMetadata }),
        },
      },
      async (request, reply) => {
        const clusterId = request.brokerClusterId!;
        const { movedFrom, streams, waitMs } = request.query;
        if (movedFrom === undefined || streams === undefined || waitMs === 0)
          return readClusterMetadata(db, clusterId);
        const streamIds = new Set(streams.split(",").map(Number));
        const deadline = Date.now() + waitMs;
        const hungUp = new AbortController();
        reply.raw.once("close", () => hungUp.abort());
        const stop = AbortSignal.any([hungUp.signal, closing.signal]);
        for (;;) {
          // Registered before reading, so an open committed between the read and the wait still wakes us.
          const waiter = ctx.notifier.leadersWaiter(clusterId);
          try {
            const metadata = await successorReads.read(clusterId);
            const left = deadline - Date.now();
            if (!announcesLeaderOf(metadata, movedFrom, streamIds) || left <= 0 || stop.aborted)
              return metadata;
            await waiter.wait(left, stop);
          } finally {
            waiter.dispose();
          }
        }
      },
    );

    r.post(
      InternalRoutes.topics,
      {
        schema: {
          tags: ["internal"],
          summary: "Create a topic; the control plane assigns its partitions",
          body: CreateTopicRequest,
          response: withProblems({ 200: TopicMetadata }),
        },
      },
      async (request) => {
        // Brokers may create the internal topics they run on; CreateTopics from clients is checked by the
        // broker itself (the same topic-rules), so that the client gets Kafka's error codes.
        const { result, changed } = await createTopic(db, request.brokerClusterId!, request.body, {
          byBroker: true,
        });
        await ctx.notifier.changed(request.brokerClusterId!, changed);
        return result;
      },
    );

    r.delete(
      InternalRoutes.topic,
      {
        schema: {
          tags: ["internal"],
          summary: "Delete a topic and its streams",
          params: TopicPath,
          response: withProblems({ 200: DeleteTopicResponse }),
        },
      },
      async (request) => {
        const { result, changed } = await deleteTopic(db, request.brokerClusterId!, request.params.name);
        await ctx.notifier.changed(request.brokerClusterId!, changed);
        return result;
      },
    );

    r.post(
      InternalRoutes.topicPartitions,
      {
        schema: {
          tags: ["internal"],
          summary: "Grow a topic to totalCount partitions",
          params: TopicPath,
          body: AddPartitionsRequest,
          response: withProblems({ 200: TopicMetadata }),
        },
      },
      async (request) => {
        const { result, changed } = await addPartitions(
          db,
          request.brokerClusterId!,
          request.params.name,
          request.body,
        );
        await ctx.notifier.changed(request.brokerClusterId!, changed);
        return result;
      },
    );

    r.post(
      InternalRoutes.topicConfigs,
      {
        schema: {
          tags: ["internal"],
          summary:
            "Change a topic's configs (Kafka's AlterConfigs: replace; IncrementalAlterConfigs: changes)",
          params: TopicPath,
          body: AlterTopicConfigsRequest,
          response: withProblems({ 200: TopicMetadata }),
        },
      },
      async (request) => {
        const { result } = await alterTopicConfigs(
          db,
          request.brokerClusterId!,
          request.params.name,
          request.body,
        );
        return result;
      },
    );
  };
}
