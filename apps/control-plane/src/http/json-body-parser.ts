import type { FastifyInstance } from "fastify";

/**
 * Replaces Fastify's JSON body parser with the same one (prototype and constructor poisoning refused),
 * except that an empty body is no body rather than a 400. Clients and proxies send
 * `content-type: application/json` with nothing after it on DELETEs and body-less POST actions; such a
 * route has no body schema and takes the request as it is. A route that needs a body still refuses it:
 * its validator finds no body and says so (http/typebox.ts).
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, String(body), done);
  });
}
