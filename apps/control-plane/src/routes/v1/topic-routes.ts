import { TopicMetadata } from "@cirrus/broker-api";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import {
  AddPublicPartitionsRequest,
  ClusterTopicPath,
  CreatePublicTopicRequest,
  UpdateTopicRequest,
} from "../../api-schemas/topics.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { getCluster } from "../../services/clusters.ts";
import {
  addPartitions,
  createTopic,
  deleteTopic,
  readTopic,
  readTopics,
  updateTopicConfigs,
} from "../../services/topics.ts";

export function topicRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["topics"];

    r.post(
      "/clusters/:id/topics",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary: "Create a topic",
          params: IdPath,
          body: CreatePublicTopicRequest,
          response: withProblems({ 201: TopicMetadata }),
        },
      },
      async (request, reply) => {
        const { result, changed } = await createTopic(db, request.params.id, request.body);
        await ctx.notifier.changed(request.params.id, changed);
        return reply.code(201).send(result);
      },
    );

    r.get(
      "/clusters/:id/topics",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "List topics with their partitions",
          params: IdPath,
          response: withProblems({ 200: Type.Object({ items: Type.Array(TopicMetadata) }) }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await readTopics(db, request.params.id) };
      },
    );

    r.get(
      "/clusters/:id/topics/:name",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "Get a topic: partitions with their leader broker",
          params: ClusterTopicPath,
          response: withProblems({ 200: TopicMetadata }),
        },
      },
      async (request) => readTopic(db, request.params.id, request.params.name),
    );

    r.patch(
      "/clusters/:id/topics/:name",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary: "Replace a topic's configs",
          params: ClusterTopicPath,
          body: UpdateTopicRequest,
          response: withProblems({ 200: TopicMetadata }),
        },
      },
      async (request) => updateTopicConfigs(db, request.params.id, request.params.name, request.body.configs),
    );

    r.post(
      "/clusters/:id/topics/:name/partitions",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary: "Grow a topic to totalCount partitions",
          params: ClusterTopicPath,
          body: AddPublicPartitionsRequest,
          response: withProblems({ 200: TopicMetadata }),
        },
      },
      async (request) => {
        const { result, changed } = await addPartitions(
          db,
          request.params.id,
          request.params.name,
          request.body,
        );
        await ctx.notifier.changed(request.params.id, changed);
        return result;
      },
    );

    r.delete(
      "/clusters/:id/topics/:name",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary: "Delete a topic",
          params: ClusterTopicPath,
          response: withProblems({ 200: Type.Object({ topicId: Type.String(), name: Type.String() }) }),
        },
      },
      async (request) => {
        const { result, changed } = await deleteTopic(db, request.params.id, request.params.name);
        await ctx.notifier.changed(request.params.id, changed);
        return result;
      },
    );
  };
}
