import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Paths that belong to the API: never answered with the console's page, whatever the client accepts. */
const API_PATH = /^\/(v1|internal|docs|openapi\.json|metrics|healthz|readyz)(\/|$|\?)/;
/** The last path segment has an extension: a file the build does not have is a 404, not the app. */
const FILE_PATH = /\/[^/?]*\.[a-z0-9]+(\?|$)/i;

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cirrus</title></head>
<body><h1>The console is not built</h1><p>Build it with <code>npm run build -w @cirrus/console</code> and
reload this page. The API and its documentation are at <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * The web console (apps/console's build) at `/`: its files as they are (hashed assets cached for a year),
 * and for any other page address a browser asks for (GET, accepts text/html, no file extension, not an API
 * path) the single-page app's index.html, which routes on the client. Without a console folder `/` leads to
 * the API docs; with a folder that holds no build, `/` says how to build it. API 404s stay problem+json.
 */
export function consoleRoutes(consoleDir: string | undefined) {
  return async (app: FastifyInstance) => {
    if (!consoleDir) {
      app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/docs"));
      return;
    }
    const root = resolve(consoleDir);
    const indexFile = join(root, "index.html");
    if (!existsSync(indexFile)) {
      app.get("/", { schema: { hide: true } }, async (_request, reply) =>
        reply.code(503).type("text/html; charset=utf-8").send(NOT_BUILT_PAGE),
      );
      return;
    }
    // Read once: the build does not change under a running control plane (a rebuild needs a restart).
    const indexHtml = readFileSync(indexFile);
    const assetsDir = `${join(root, "assets")}/`;
    await app.register(fastifyStatic, {
      root,
      prefix: "/",
      // Routes for the files the build has, listed at start; the SPA fallback below takes the rest.
      wildcard: false,
      index: false,
      // @fastify/swagger-ui already decorates the reply with sendFile.
      decorateReply: false,
      schemaHide: true,
      setHeaders: (reply, path) => {
        // Vite names every asset by its content hash: an asset never changes under its name.
        reply.header(
          "cache-control",
          path.startsWith(assetsDir) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    });
    const sendIndex = (reply: FastifyReply) =>
      reply
        .type("text/html; charset=utf-8")
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .send(indexHtml);
    app.get("/", { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
    app.get("/*", { schema: { hide: true } }, async (request: FastifyRequest, reply) => {
      const wantsPage = (request.headers.accept ?? "").includes("text/html");
      if (!wantsPage || API_PATH.test(request.url) || FILE_PATH.test(request.url))
        return reply.callNotFound();
      return sendIndex(reply);
    });
  };
}
