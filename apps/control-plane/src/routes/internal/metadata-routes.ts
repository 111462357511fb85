import {
  AddPartitionsRequest,
  AlterTopicConfigsRequest,
  ClusterMetadata,
  CreateTopicRequest,
  DeleteTopicResponse,
  InternalRoutes,
  TopicMetadata,
  TopicPath,
} from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { readClusterMetadata } from "../../services/cluster-metadata.ts";
import { addPartitions, alterTopicConfigs, createTopic, deleteTopic } from "../../services/topics.ts";

/**
 * Metadata and Kafka admin calls (CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs,
 * IncrementalAlterConfigs) on behalf of brokers.
 */
export function metadataRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;

    r.get(
      InternalRoutes.metadata,
      {
        schema: {
          tags: ["internal"],
          summary: "Brokers, topics, partitions with leaders, leader epochs and streams",
          response: withProblems({ 200: ClusterMetadata }),
        },
      },
      async (request) => readClusterMetadata(db, request.brokerClusterId!),
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
