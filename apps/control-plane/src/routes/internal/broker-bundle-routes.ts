// GET /internal/v1/broker-bundle/{sha256}: the broker bundle a stock-image instance's boot script fetches
// (libs/cloud user-data.ts). Outside the broker-credential hook on purpose: an instance fetches it before it
// has any credential, and it holds no secret (the broker's build and a Node runtime, both public; every
// secret reaches a broker later, through its instance identity). It is named by its sha256, which the boot
// script checks, so what is served can only be what the launch asked for; immutable and cacheable forever.
// No Range support: a bundle is ~45 MB and the script retries the whole download.
import { createReadStream } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { BrokerBundle } from "../../broker-bundle/broker-bundle.ts";
import { ApiError } from "../../errors.ts";

export const BROKER_BUNDLE_ROUTE = "/broker-bundle/:sha256";

/** The path (under INTERNAL_PREFIX) a bundle is served at. */
export function brokerBundlePath(sha256: string): string {
  return `/broker-bundle/${sha256}`;
}

export function brokerBundleRoutes(bundles: () => readonly BrokerBundle[]) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: { sha256: string } }>(
      BROKER_BUNDLE_ROUTE,
      { schema: { hide: true } }, // a binary download, not part of the JSON API
      async (request, reply) => {
        const { sha256 } = request.params;
        const bundle = bundles().find((b) => b.sha256 === sha256);
        if (!bundle)
          throw new ApiError("NOT_FOUND", `no broker bundle with sha256 ${JSON.stringify(sha256)}`);
        const etag = `"${bundle.sha256}"`;
        reply
          .header("cache-control", "public, max-age=31536000, immutable")
          .header("etag", etag)
          .header("content-type", "application/gzip");
        if (request.headers["if-none-match"] === etag) return reply.code(304).send();
        reply.header("content-length", bundle.size);
        return reply.send(createReadStream(bundle.path));
      },
    );
  };
}
