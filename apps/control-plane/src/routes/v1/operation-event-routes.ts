import type { FastifyInstance, FastifyRequest } from "fastify";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import {
  OperationEventsQuery,
  OperationStream,
  OperationTimelineStream,
} from "../../api-schemas/operations.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import { type EventStream, registerEventStreams } from "../../http/event-stream.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { moveTimingsOf } from "../../services/move-timings.ts";
import type { OperationFilter } from "../../services/operation-feed.ts";
import { getOperation, listOperations, type Operation } from "../../services/operations.ts";

/** The operations that move partitions: their view lists each move with its timings (as GET /operations/{id}). */
const MOVING_OPERATIONS: ReadonlySet<string> = new Set(["cluster.rebalance", "broker.drain"]);
const FINISHED: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED"]);

/** Live operations over Server-Sent Events: the console's timeline and one operation's progress, without polling. */
export function operationEventRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const { operationFeed: feed } = ctx;
    const tags = ["operations"];
    const streams = registerEventStreams(app);
    const heartbeatMs = ctx.config.eventStreamHeartbeatMs;

    /**
     * Subscribes, then sends what is there now (`first`: read after subscribing, so no change falls between the
     * two), then each change as `view(op)`, in order, one at a time: an older state never overtakes a newer one.
     * A failure (the database) ends the stream: the client reconnects.
     */
    const follow = (
      request: FastifyRequest,
      stream: EventStream,
      filter: OperationFilter,
      first: () => Promise<void>,
      view: (op: Operation) => Promise<unknown> | unknown,
    ) => {
      const fail = (error: unknown) => {
        request.log.warn({ error: String(error) }, "operation stream failed");
        stream.close();
      };
      let chain = Promise.resolve();
      const unsubscribe = feed.subscribe(filter, (op) => {
        chain = chain
          .then(async () => {
            if (stream.closed) return;
            stream.send("operation", await view(op));
            if (filter.operationId !== undefined && FINISHED.has(op.status)) stream.close();
          })
          .catch(fail);
      });
      stream.onClose(unsubscribe);
      chain = first().catch(fail);
    };

    r.get(
      "/operations/events",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary:
            "Live timeline (Server-Sent Events): the newest operations, then each one created or changed, of one cluster or all",
          querystring: OperationEventsQuery,
          response: withProblems({ 200: OperationTimelineStream }),
        },
      },
      async (request, reply) => {
        const { limit, clusterId } = request.query;
        const filter = clusterId ? { clusterId } : {};
        const stream = ctx.streamGate.open(request, reply, { heartbeatMs, registry: streams });
        const snapshot = async () => {
          stream.send("snapshot", { items: await listOperations(db, filter, limit ?? 100) });
        };
        follow(request, stream, filter, snapshot, (op) => op);
      },
    );

    r.get(
      "/operations/:id/events",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary:
            "One operation live (Server-Sent Events): its view now and on each change, until it has SUCCEEDED or FAILED",
          params: IdPath,
          response: withProblems({ 200: OperationStream }),
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const view = async (op: Operation) =>
          MOVING_OPERATIONS.has(op.type) ? { ...op, moves: await moveTimingsOf(db, op.id) } : op;
        // A 404 is still an ordinary problem answer: the stream opens only for an operation that exists.
        if (!(await getOperation(db, id))) throw new ApiError("NOT_FOUND", `operation ${id} not found`);
        const stream = ctx.streamGate.open(request, reply, { heartbeatMs, registry: streams });
        const current = async () => {
          const now = await getOperation(db, id);
          if (now) stream.send("operation", await view(now));
          if (!now || FINISHED.has(now.status)) stream.close();
        };
        follow(request, stream, { operationId: id }, current, view);
      },
    );
  };
}
