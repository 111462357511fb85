import {
  CloseStreamsRequest,
  CloseStreamsResponse,
  CommitStreamObjectBody,
  CommitStreamSetObjectBody,
  CreateStreamRequest,
  CreateStreamResponse,
  ForgetObjectsRequest,
  GetObjectsQuery,
  InternalRoutes,
  NodePath,
  ObjectList,
  OpenStreamRequest,
  OpenStreamsRequest,
  OpenStreamsResponse,
  PrepareObjectsRequest,
  PrepareObjectsResponse,
  StreamEpochRequest,
  StreamList,
  StreamMetadataSchema,
  StreamPath,
  TrimStreamRequest,
  UnreferencedList,
  UnreferencedQuery,
} from "@cirrus/broker-api";
import { StreamStorageError } from "@cirrus/s3stream";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { problemResponse, withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { DbObjectManager } from "../../objects/db-object-manager.ts";
import { moveWaitsOnStreams } from "../../services/partition-assigner.ts";

const NoContent = Type.Null({ description: "done" });
const withStreamProblems = <R extends Parameters<typeof withProblems>[0]>(responses: R) =>
  withProblems({ 416: problemResponse("Offset out of the stream's range"), ...responses });

/** s3stream's ObjectManager over HTTP: the server half of ControlPlaneClient's ObjectManager methods. */
export function objectRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const manager = (request: FastifyRequest) =>
      new DbObjectManager({ db: ctx.database.db, clusterId: request.brokerClusterId! });
    const tags = ["internal-objects"];
    /**
     * A stream opened: the cluster may announce another leader for its partition now (a move's target), so the
     * move's source, waiting for its successor (GET /metadata with `movedFrom`), reads it again. Not awaited:
     * the in-process wake-up is immediate, and the opener's reply need not wait for the NOTIFY.
     */
    const leadersChanged = (request: FastifyRequest) => {
      void ctx.notifier.leadersChanged(request.brokerClusterId!);
    };
    /**
     * A move waiting for one of these closes goes on now (MoveCompletion: one pass per cluster at a time, the
     * reply does not wait for it). A failure here is logged; the reconcile pass finishes the move then.
     */
    const completeMovesAfterCloses = async (request: FastifyRequest, streamIds: readonly number[]) => {
      const clusterId = request.brokerClusterId!;
      try {
        if (await moveWaitsOnStreams(ctx.database.db, clusterId, streamIds))
          ctx.moveCompletion.request(clusterId);
      } catch (error) {
        request.log.warn({ error: String(error) }, "finishing the move after a close failed");
      }
    };

    r.post(
      InternalRoutes.streams,
      {
        schema: {
          tags,
          summary: "Create a stream",
          body: CreateStreamRequest,
          response: withProblems({ 200: CreateStreamResponse }),
        },
      },
      async (request) => manager(request).createStream(request.body),
    );
    r.get(
      InternalRoutes.stream,
      {
        schema: {
          tags,
          summary: "Describe a stream",
          params: StreamPath,
          response: withProblems({ 200: StreamMetadataSchema }),
        },
      },
      async (request) => manager(request).describeStream(request.params.streamId),
    );
    r.post(
      InternalRoutes.openStream,
      {
        schema: {
          tags,
          summary: "Open a stream at an epoch (older epochs are fenced)",
          params: StreamPath,
          body: OpenStreamRequest,
          response: withProblems({ 200: StreamMetadataSchema }),
        },
      },
      async (request) => {
        const opened = await manager(request).openStream(
          request.params.streamId,
          request.body.epoch,
          request.body.nodeId,
        );
        leadersChanged(request);
        return opened;
      },
    );
    r.post(
      InternalRoutes.openStreams,
      {
        schema: {
          tags,
          summary: "Open many streams in one transaction (each stream's outcome in the answer)",
          body: OpenStreamsRequest,
          response: withProblems({ 200: OpenStreamsResponse }),
        },
      },
      async (request) => {
        const outcomes = await manager(request).openStreams(request.body.streams);
        if (outcomes.some((o) => !(o instanceof StreamStorageError))) leadersChanged(request);
        return {
          results: request.body.streams.map((s, i) => {
            const outcome = outcomes[i]!;
            return outcome instanceof StreamStorageError
              ? {
                  streamId: s.streamId,
                  stream: null,
                  error: { code: outcome.code, message: outcome.message },
                }
              : { streamId: s.streamId, stream: outcome, error: null };
          }),
        };
      },
    );
    r.post(
      InternalRoutes.closeStream,
      {
        schema: {
          tags,
          summary: "Close a stream",
          params: StreamPath,
          body: StreamEpochRequest,
          response: withProblems({ 204: NoContent }),
        },
      },
      async (request, reply) => {
        await manager(request).closeStream(request.params.streamId, request.body.epoch);
        await completeMovesAfterCloses(request, [request.params.streamId]);
        return reply.code(204).send(null);
      },
    );
    r.post(
      InternalRoutes.closeStreams,
      {
        schema: {
          tags,
          summary: "Close many streams in one transaction (each stream's outcome in the answer)",
          body: CloseStreamsRequest,
          response: withProblems({ 200: CloseStreamsResponse }),
        },
      },
      async (request) => {
        const requested = request.body.streams;
        const outcomes = await manager(request).closeStreams(requested);
        await completeMovesAfterCloses(
          request,
          requested.filter((_, i) => outcomes[i] === undefined).map((s) => s.streamId),
        );
        return {
          results: requested.map((s, i) => {
            const error = outcomes[i];
            return {
              streamId: s.streamId,
              error: error ? { code: error.code, message: error.message } : null,
            };
          }),
        };
      },
    );
    r.post(
      InternalRoutes.trimStream,
      {
        schema: {
          tags,
          summary: "Move a stream's start offset forward",
          params: StreamPath,
          body: TrimStreamRequest,
          response: withStreamProblems({ 204: NoContent }),
        },
      },
      async (request, reply) => {
        await manager(request).trimStream(
          request.params.streamId,
          request.body.epoch,
          request.body.newStartOffset,
        );
        return reply.code(204).send(null);
      },
    );
    r.post(
      InternalRoutes.deleteStream,
      {
        schema: {
          tags,
          summary: "Delete a stream",
          params: StreamPath,
          body: StreamEpochRequest,
          response: withProblems({ 204: NoContent }),
        },
      },
      async (request, reply) => {
        await manager(request).deleteStream(request.params.streamId, request.body.epoch);
        return reply.code(204).send(null);
      },
    );
    r.get(
      InternalRoutes.streamObjects,
      {
        schema: {
          tags,
          summary: "Objects holding [startOffset, endOffset) of a stream, in offset order",
          params: StreamPath,
          querystring: GetObjectsQuery,
          response: withStreamProblems({ 200: ObjectList }),
        },
      },
      async (request) => {
        const { startOffset, endOffset, limit } = request.query;
        return {
          objects: await manager(request).getObjects(request.params.streamId, startOffset, endOffset, limit),
        };
      },
    );
    r.post(
      InternalRoutes.prepareObjects,
      {
        schema: {
          tags,
          summary: "Reserve consecutive object ids",
          body: PrepareObjectsRequest,
          response: withProblems({ 200: PrepareObjectsResponse }),
        },
      },
      async (request) => ({
        firstObjectId: await manager(request).prepareObjects(request.body.count, request.body.ttlMs),
      }),
    );
    r.post(
      InternalRoutes.commitStreamSetObject,
      {
        schema: {
          tags,
          summary:
            "Commit a stream set object atomically, closing `closeStreams` in the same transaction (stale epochs: 409 STREAM_FENCED)",
          body: CommitStreamSetObjectBody,
          response: withStreamProblems({ 204: NoContent }),
        },
      },
      async (request, reply) => {
        await manager(request).commitStreamSetObject(request.body);
        const closed = request.body.closeStreams ?? [];
        if (closed.length > 0)
          await completeMovesAfterCloses(
            request,
            closed.map((s) => s.streamId),
          );
        return reply.code(204).send(null);
      },
    );
    r.post(
      InternalRoutes.commitStreamObject,
      {
        schema: {
          tags,
          summary: "Commit a stream object",
          body: CommitStreamObjectBody,
          response: withStreamProblems({ 204: NoContent }),
        },
      },
      async (request, reply) => {
        await manager(request).commitStreamObject(request.body);
        return reply.code(204).send(null);
      },
    );
    r.get(
      InternalRoutes.unreferencedObjects,
      {
        schema: {
          tags,
          summary: "Objects unreferenced for at least gracePeriodMs",
          querystring: UnreferencedQuery,
          response: withProblems({ 200: UnreferencedList }),
        },
      },
      async (request) => ({
        objects: await manager(request).getUnreferencedObjects(
          request.query.gracePeriodMs,
          request.query.limit,
        ),
      }),
    );
    r.post(
      InternalRoutes.forgetObjects,
      {
        schema: {
          tags,
          summary: "Forget deleted objects",
          body: ForgetObjectsRequest,
          response: withProblems({ 204: NoContent }),
        },
      },
      async (request, reply) => {
        await manager(request).forgetObjects(request.body.objectIds);
        return reply.code(204).send(null);
      },
    );
    r.get(
      InternalRoutes.nodeStreamSetObjects,
      {
        schema: {
          tags,
          summary: "A node's stream set objects in commit order",
          params: NodePath,
          response: withProblems({ 200: ObjectList }),
        },
      },
      async (request) => ({ objects: await manager(request).getStreamSetObjects(request.params.nodeId) }),
    );
    r.get(
      InternalRoutes.nodeOpeningStreams,
      {
        schema: {
          tags,
          summary: "Streams a node holds open",
          params: NodePath,
          response: withProblems({ 200: StreamList }),
        },
      },
      async (request) => ({ streams: await manager(request).getOpeningStreams(request.params.nodeId) }),
    );
  };
}
