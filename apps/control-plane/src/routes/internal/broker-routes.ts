import {
  Assignments,
  AssignmentsQuery,
  BrokerPath,
  DeregisterBrokerRequest,
  DeregisterBrokerResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  InternalRoutes,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
} from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { deregisterBroker } from "../../controllers/failover/hand-back.ts";
import { ApiError } from "../../errors.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { assertCurrentEpoch, heartbeat, readAssignments, registerBroker } from "../../services/brokers.ts";

export function brokerRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    // Closing the server answers every waiting assignment watch at once (with the assignments as they are):
    // server.close() waits for open requests, and a watch would otherwise hold it for its whole wait (25 s).
    const closing = new AbortController();
    app.addHook("preClose", async () => closing.abort());

    r.post(
      InternalRoutes.register,
      {
        schema: {
          tags: ["internal"],
          summary: "Register a broker: a new epoch, fencing the previous one",
          body: RegisterBrokerRequest,
          response: withProblems({ 200: RegisterBrokerResponse }),
        },
      },
      async (request) => {
        const bound = request.brokerInstanceId;
        if (bound !== null && bound !== request.body.instanceId) {
          throw new ApiError(
            "FORBIDDEN",
            `this credential belongs to instance ${bound}; it cannot register ${request.body.instanceId}`,
          );
        }
        const { response, changed } = await registerBroker(
          db,
          request.brokerClusterId!,
          request.body,
          ctx.config.leaseMs,
        );
        await ctx.notifier.changed(request.brokerClusterId!, changed);
        return response;
      },
    );

    r.post(
      InternalRoutes.heartbeat,
      {
        schema: {
          tags: ["internal"],
          summary: "Renew the broker's lease (stale epoch or expired lease: 409 BROKER_FENCED)",
          params: BrokerPath,
          body: HeartbeatRequest,
          response: withProblems({ 200: HeartbeatResponse }),
        },
      },
      async (request) =>
        heartbeat(db, request.brokerClusterId!, request.params.brokerId, request.body, ctx.config.leaseMs),
    );

    r.post(
      InternalRoutes.deregister,
      {
        schema: {
          tags: ["internal"],
          summary: "End of a graceful shutdown: hand the broker's partitions back at once",
          params: BrokerPath,
          body: DeregisterBrokerRequest,
          response: withProblems({ 200: DeregisterBrokerResponse }),
        },
      },
      async (request) => {
        const clusterId = request.brokerClusterId!;
        const { state, changed } = await deregisterBroker(
          db,
          clusterId,
          request.params.brokerId,
          request.body.epoch,
        );
        await ctx.notifier.changed(clusterId, changed);
        return { state };
      },
    );

    r.get(
      InternalRoutes.assignments,
      {
        schema: {
          tags: ["internal"],
          summary: "Long poll: the broker's assignments once their version passes `after`",
          params: BrokerPath,
          querystring: AssignmentsQuery,
          response: withProblems({ 200: Assignments }),
        },
      },
      async (request, reply) => {
        const clusterId = request.brokerClusterId!;
        const { brokerId } = request.params;
        const { epoch, after, waitMs } = request.query;
        const deadline = Date.now() + waitMs;
        const closed = new AbortController();
        // The broker hung up (or restarted): stop waiting for it. The server closing: answer now.
        reply.raw.once("close", () => closed.abort());
        const stop = AbortSignal.any([closed.signal, closing.signal]);
        // Wake-ups can be spurious (another replica's late NOTIFY): wait again until the version moves.
        for (;;) {
          // Registered before reading, so a change between the read and the wait still wakes us.
          const waiter = ctx.notifier.waiter(clusterId, brokerId);
          try {
            const version = await assertCurrentEpoch(db, clusterId, brokerId, epoch);
            const left = deadline - Date.now();
            if (version > after || left <= 0 || stop.aborted)
              return await readAssignments(db, clusterId, brokerId);
            await waiter.wait(left, stop);
          } finally {
            waiter.dispose();
          }
        }
      },
    );
  };
}
