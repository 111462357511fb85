import { randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { PROBLEM_SCHEMA_ID, Problem } from "./api-schemas/common.ts";
import { STREAM_EVENT_SCHEMAS } from "./api-schemas/stream-events.ts";
import type { AppContext } from "./app-context.ts";
import { ApiTokens } from "./auth/api-tokens.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import { ApiError } from "./errors.ts";
import { ControlPlaneMetrics } from "./http/control-plane-metrics.ts";
import { registerJsonBodyParser } from "./http/json-body-parser.ts";
import { documentDefaultsAsOptional, OptionalBodies } from "./http/openapi-parameters.ts";
import { registerProblemHandlers } from "./http/problem-handler.ts";
import { closeSilentConnectionsOnClose } from "./http/silent-connections.ts";
import { type ScheduleAt, TokenStreamGate } from "./http/token-stream-gate.ts";
import { typeboxValidatorCompiler } from "./http/typebox.ts";
import { consoleRoutes } from "./routes/console-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { brokerBundleRoutes } from "./routes/internal/broker-bundle-routes.ts";
import { INTERNAL_PREFIX, internalApi } from "./routes/internal/index.ts";
import { instanceCredentialRoutes } from "./routes/internal/instance-credential-routes.ts";
import { metricsRoutes } from "./routes/metrics-routes.ts";
import { publicApi } from "./routes/v1/index.ts";
import { bindSecretBox, boundSecretBox } from "./secrets/database-secret-box.ts";
import type { SecretBox } from "./secrets/secret-box.ts";
import { openSecretBox } from "./secrets/secret-keys.ts";
import { AssignmentNotifier } from "./services/assignment-notifier.ts";
import { ClusterFeed } from "./services/cluster-feed.ts";
import { ClusterListFeed } from "./services/cluster-list-feed.ts";
import { hasDrainingBroker } from "./services/drain-waves.ts";
import { MoveCompletion } from "./services/move-completion.ts";
import { moveLimitsOf } from "./services/move-limits.ts";
import { OperationFeed } from "./services/operation-feed.ts";
import { completeClosedMoves } from "./services/partition-assigner.ts";

export interface BuildOptions {
  config: Readonly<Config>;
  database: Database;
  /** Defaults to a new one; several apps on one database in one process can share one. */
  notifier?: AssignmentNotifier;
  /** Backs POST /v1/clusters/:id/brokers/:brokerId/spot-reclaim (see controllers/provisioner). */
  spotReclaimer?: AppContext["spotReclaimer"];
  brokerCapacity?: AppContext["brokerCapacity"];
  checkCredentials?: AppContext["checkCredentials"];
  isFleetInstance?: AppContext["isFleetInstance"];
  brokerBundles?: AppContext["brokerBundles"];
  /**
   * Seals and opens the secrets stored in the database; default: the one already bound to this database handle,
   * else the config's (secrets/secret-keys.ts).
   */
  secrets?: SecretBox;
  /** The clock API tokens' expiries are judged by (tests move it instead of sleeping). */
  clock?: () => number;
  /** Runs a callback once `clock` reaches a time: live streams end at their token's expiry (tests fire it). */
  scheduleAt?: ScheduleAt;
}

export interface App {
  server: FastifyInstance;
  context: AppContext;
  /**
   * Every route registered (hidden ones flagged), with its query schema: the contract test checks them
   * against the OpenAPI doc.
   */
  routes: { method: string; url: string; hidden: boolean; querystring?: unknown }[];
}

/**
 * Builds the HTTP application on an open, migrated database: public API (/v1), internal broker API
 * (/internal/v1), /openapi.json, /docs, /metrics and health checks. Does not listen (tests use inject) and
 * runs no controllers (see ControlPlane in control-plane.ts).
 */
export async function build(options: BuildOptions): Promise<App> {
  const { config, database } = options;
  // A second app on the same database handle (tests) keeps the box already bound unless given one.
  bindSecretBox(database.db, options.secrets ?? boundSecretBox(database.db) ?? openSecretBox(config).box);
  const moveLimits = moveLimitsOf(config);
  const tokens = new ApiTokens(database.db, options.clock ? { now: options.clock } : {});
  const context: AppContext = {
    config,
    database,
    tokens,
    notifier: options.notifier ?? new AssignmentNotifier(),
    metrics: new ControlPlaneMetrics(database.db),
    wakeControllers: () => {},
    operationFeed: new OperationFeed(database.db, { intervalMs: config.operationEventsIntervalMs }),
    clusterFeed: new ClusterFeed(database.db, { intervalMs: config.clusterEventsIntervalMs }),
    clusterListFeed: new ClusterListFeed(database.db, { intervalMs: config.clusterEventsIntervalMs }),
    streamGate: new TokenStreamGate(tokens, {
      perToken: config.eventStreamsPerToken,
      checkMs: config.eventStreamAuthCheckMs,
      ...(options.scheduleAt ? { scheduleAt: options.scheduleAt } : {}),
    }),
    moveCompletion: new MoveCompletion(
      async (clusterId) => {
        // Their slots are free: a drain's next wave goes in the same transaction, not when the runner's pass
        // reaches the drain.
        const changed = await completeClosedMoves(database.db, clusterId, moveLimits);
        await context.notifier.changed(clusterId, changed);
        // A drain is done once its broker's partitions closed: its wait-for-close step can end now. A move's
        // operation cannot finish before its target opened the partition: a runner pass now would only compete
        // with that open (on the same database) inside the write-unavailable window; the next interval's pass
        // finishes it.
        if (changed.length > 0 && (await hasDrainingBroker(database.db, clusterId)))
          context.wakeControllers();
      },
      (clusterId, error) =>
        server.log.warn({ clusterId, error: String(error) }, "finishing moves after a close failed"),
    ),
    ...(options.spotReclaimer ? { spotReclaimer: options.spotReclaimer } : {}),
    ...(options.brokerCapacity ? { brokerCapacity: options.brokerCapacity } : {}),
    ...(options.checkCredentials ? { checkCredentials: options.checkCredentials } : {}),
    ...(options.isFleetInstance ? { isFleetInstance: options.isFleetInstance } : {}),
    ...(options.brokerBundles ? { brokerBundles: options.brokerBundles } : {}),
  };
  const server = Fastify({
    bodyLimit: config.bodyLimitBytes,
    logger: config.logLevel === "silent" ? false : { level: config.logLevel },
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Long polls last up to 60 s; anything else finishes well within this.
    requestTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
  });
  const routes: App["routes"] = [];
  server.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      routes.push({
        method,
        url: route.url,
        hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide),
        ...(route.schema?.querystring ? { querystring: route.schema.querystring } : {}),
      });
    }
  });
  server.setValidatorCompiler(typeboxValidatorCompiler);
  // JSON only: any other body type is 415 rather than a string that fails validation later.
  server.removeContentTypeParser("text/plain");
  registerJsonBodyParser(server);
  closeSilentConnectionsOnClose(server);
  server.addHook("onClose", () => context.operationFeed.close());
  server.addHook("onClose", () => context.streamGate.close());
  server.addHook("onClose", () => context.clusterFeed.close());
  server.addHook("onClose", () => context.clusterListFeed.close());
  context.clusterFeed.onError = (error) =>
    server.log.warn({ error: String(error) }, "reading clusters for live streams failed");
  context.clusterListFeed.onError = context.clusterFeed.onError;
  context.streamGate.onError = (error) =>
    server.log.warn({ error: String(error) }, "checking live streams' tokens failed");
  server.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-request-id", request.id);
    return payload;
  });
  server.addHook("onResponse", (request, reply, done) => {
    context.metrics.observeRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  // Set by the API token check (the public API and /metrics; see auth/authenticate.ts).
  server.decorateRequest("principal", null);
  registerProblemHandlers(server);
  server.addSchema({ ...Problem, $id: PROBLEM_SCHEMA_ID });
  for (const schema of STREAM_EVENT_SCHEMAS) server.addSchema(schema);

  const optionalBodies = new OptionalBodies();
  await server.register(swagger, {
    // Shared schemas keep their id as their name in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      optionalBodies.note(schema, url, route.method);
      return { schema: documentDefaultsAsOptional(schema), url };
    },
    transformObject: (documents) =>
      optionalBodies.apply("openapiObject" in documents ? documents.openapiObject : documents.swaggerObject),
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Cirrus control plane",
        version: "1.0.0",
        description:
          "Clusters, brokers, topics, operations and tokens (/v1), and the broker API (/internal/v1). " +
          "Errors are RFC 9457 problem+json with a stable `code`.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      },
      security: [{ bearer: [] }],
    },
  });
  await server.register(swaggerUi, { routePrefix: "/docs" });
  server.get("/openapi.json", { schema: { hide: true } }, async () => server.swagger());
  await server.register(consoleRoutes(config.consoleDir));

  await server.register(healthRoutes(context));
  await server.register(metricsRoutes(context));
  await server.register(
    async (v1) => {
      await v1.register(rateLimit, {
        max: config.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: (request) => request.headers.authorization ?? request.ip,
        errorResponseBuilder: (_request, context) =>
          new ApiError(
            "RATE_LIMITED",
            `more than ${context.max} requests per minute; retry in ${context.after}`,
          ),
      });
      await v1.register(publicApi(context));
    },
    { prefix: "/v1" },
  );
  await server.register(internalApi(context), { prefix: INTERNAL_PREFIX });
  await server.register(instanceCredentialRoutes(context), { prefix: INTERNAL_PREFIX });
  await server.register(brokerBundleRoutes(context.brokerBundles ?? (() => [])), { prefix: INTERNAL_PREFIX });
  await server.ready();
  return { server, context, routes };
}
