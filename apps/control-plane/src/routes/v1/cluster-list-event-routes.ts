import type { FastifyInstance } from "fastify";
import { ClusterListEventStream } from "../../api-schemas/cluster-events.ts";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { registerEventStreams } from "../../http/event-stream.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import {
  type ClusterListLook,
  listChanges,
  listKeys,
  readClusterList,
} from "../../services/cluster-list-feed.ts";

/**
 * Every cluster live (Server-Sent Events) for the clusters list: created, changed (state, spec, broker count,
 * traffic) and deleted clusters, without polling. The token rules are every stream's (the gate's).
 */
export function clusterListEventRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const streams = registerEventStreams(app);
    const heartbeatMs = ctx.config.eventStreamHeartbeatMs;

    r.get(
      "/clusters/events",
      {
        config: { scope: "viewer" },
        schema: {
          tags: ["clusters"],
          summary:
            "Every cluster live (Server-Sent Events): the list with broker counts and traffic, then each cluster created, changed or deleted",
          response: withProblems({ 200: ClusterListEventStream }),
        },
      },
      async (request, reply) => {
        const stream = ctx.streamGate.open(request, reply, { heartbeatMs, registry: streams });
        const fail = (error: unknown) => {
          request.log.warn({ error: String(error) }, "cluster list stream failed");
          stream.close();
        };
        // The clusters' keys the client has: undefined until the snapshot went. Events go one at a time, in order.
        let sent: Map<string, string> | undefined;
        let chain = Promise.resolve();
        const onLook = (look: ClusterListLook) => {
          if (sent === undefined || stream.closed) return;
          const { changed, deleted } = listChanges(sent, look);
          for (const id of deleted) stream.send("deleted", { id });
          for (const item of changed) stream.send("cluster", item);
          sent = listKeys(look);
        };
        const unsubscribe = ctx.clusterListFeed.subscribe((look) => {
          chain = chain.then(() => onLook(look)).catch(fail);
        });
        stream.onClose(unsubscribe);
        // Read after subscribing: no change falls between the snapshot and the first look.
        chain = (async () => {
          const look = await readClusterList(db);
          if (stream.closed) return;
          stream.send("snapshot", { items: look.items.map(({ item }) => item) });
          sent = listKeys(look);
        })().catch(fail);
      },
    );
  };
}
