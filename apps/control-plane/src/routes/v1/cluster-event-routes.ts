import type { FastifyInstance } from "fastify";
import { ClusterEventStream } from "../../api-schemas/cluster-events.ts";
import type { Cluster } from "../../api-schemas/clusters.ts";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiErrors } from "../../errors.ts";
import { registerEventStreams } from "../../http/event-stream.ts";
import { problemBody } from "../../http/problem-handler.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { type BrokerView, listBrokers } from "../../services/broker-views.ts";
import { type ClusterLook, type LookKeys, lookKeys } from "../../services/cluster-feed.ts";
import { resolvedWatermarks } from "../../services/cluster-watermarks.ts";
import { getCluster } from "../../services/clusters.ts";

/** Each broker's rates from its last heartbeat and its lease: the `network` event's items. */
function networkSamples(brokers: readonly BrokerView[]) {
  return brokers.map((b) => ({
    brokerId: b.brokerId,
    bytesInPerSec: b.load.bytesInPerSec,
    bytesOutPerSec: b.load.bytesOutPerSec,
    leaseUntil: b.leaseUntil,
  }));
}

/**
 * A cluster live (Server-Sent Events): itself, its brokers, their network, its watermarks and operations, no
 * polling.
 */
export function clusterEventRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const streams = registerEventStreams(app);
    const heartbeatMs = ctx.config.eventStreamHeartbeatMs;
    const watermarksOf = (cluster: Cluster) =>
      resolvedWatermarks(cluster.spec, ctx.config.brokerNetworkBytesPerSec, ctx.brokerCapacity);

    r.get(
      "/clusters/:id/events",
      {
        config: { scope: "viewer" },
        schema: {
          tags: ["clusters"],
          summary:
            "A cluster live (Server-Sent Events): it and its brokers, then each change of either, network sample, watermark change and operation",
          params: IdPath,
          response: withProblems({ 200: ClusterEventStream }),
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        // A 404 is an ordinary problem answer: the stream opens only for a cluster that exists.
        await getCluster(db, id);
        const stream = ctx.streamGate.open(request, reply, { heartbeatMs, registry: streams });
        const fail = (error: unknown) => {
          request.log.warn({ error: String(error) }, "cluster stream failed");
          stream.close();
        };
        // What the client has: undefined until the snapshot went. Events are sent one at a time, in order.
        let sent: LookKeys | undefined;
        let sentWatermarks = "";
        let chain = Promise.resolve();
        const sendWatermarks = (cluster: Cluster, event: string) => {
          const watermarks = watermarksOf(cluster);
          const json = JSON.stringify(watermarks);
          if (json !== sentWatermarks && event === "watermarks") stream.send(event, watermarks);
          sentWatermarks = json;
          return watermarks;
        };
        const onLook = (look: ClusterLook) => {
          if (sent === undefined || stream.closed) return;
          if (look.keys.brokers !== sent.brokers) stream.send("brokers", { items: look.brokers });
          if (look.keys.network !== sent.network) {
            stream.send("network", { at: look.at, items: networkSamples(look.brokers) });
          }
          if (look.keys.cluster !== sent.cluster) {
            stream.send("cluster", look.cluster);
            sendWatermarks(look.cluster, "watermarks");
          }
          sent = look.keys;
        };
        const unsubscribeCluster = ctx.clusterFeed.subscribe(id, {
          onLook: (look) => {
            chain = chain.then(() => onLook(look)).catch(fail);
          },
          onGone: () => {
            chain = chain.then(() =>
              stream.fail(
                problemBody(
                  404,
                  "NOT_FOUND",
                  ApiErrors.NOT_FOUND.title,
                  `cluster ${id} was deleted`,
                  request.url,
                ),
              ),
            );
          },
        });
        const unsubscribeOperations = ctx.operationFeed.subscribe({ clusterId: id }, (op) => {
          chain = chain.then(() => void stream.send("operation", op)).catch(fail);
        });
        stream.onClose(() => {
          unsubscribeCluster();
          unsubscribeOperations();
        });
        // Read after subscribing: no change falls between the snapshot and the first look.
        chain = (async () => {
          const cluster = await getCluster(db, id);
          const brokers = await listBrokers(db, id);
          if (stream.closed) return;
          stream.send("snapshot", { cluster, brokers, watermarks: sendWatermarks(cluster, "snapshot") });
          sent = lookKeys(cluster, brokers);
        })().catch(fail);
      },
    );
  };
}
