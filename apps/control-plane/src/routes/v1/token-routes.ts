import type { FastifyInstance } from "fastify";
import { IdPath, Page, PageQuery, withProblems } from "../../api-schemas/common.ts";
import { CreatedToken, CreateTokenRequest, TokenView } from "../../api-schemas/tokens.ts";
import type { AppContext } from "../../app-context.ts";
import { MAX_TOKEN_LIFETIME_MS } from "../../auth/api-tokens.ts";
import { ApiError } from "../../errors.ts";
import { decodeCursor, pageOf } from "../../http/cursor.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";

/** A new token's expiry must lie ahead, and not too far: 400 at the field otherwise (the console shows it there). */
function checkExpiry(expiresAt: number, now: number): void {
  if (expiresAt <= now) {
    throw new ApiError("INVALID_REQUEST", `body/expiresAt: must be in the future (now is ${now})`);
  }
  if (expiresAt > now + MAX_TOKEN_LIFETIME_MS) {
    throw new ApiError(
      "INVALID_REQUEST",
      "body/expiresAt: must be at most 366 days ahead; leave it out for a token that never expires",
    );
  }
}

export function tokenRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["tokens"];

    r.post(
      "/tokens",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Create an API token (the secret is shown once)",
          body: CreateTokenRequest,
          response: withProblems({ 201: CreatedToken }),
        },
      },
      async (request, reply) => {
        const { name, scope, expiresAt } = request.body;
        if (expiresAt !== undefined && expiresAt !== null) checkExpiry(expiresAt, ctx.tokens.now());
        return reply.code(201).send(await ctx.tokens.create(name, scope, { expiresAt: expiresAt ?? null }));
      },
    );

    r.get(
      "/tokens",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "List API tokens (never their secrets)",
          querystring: PageQuery,
          response: withProblems({ 200: Page(TokenView) }),
        },
      },
      async (request) => {
        const rows = await ctx.tokens.list(request.query.limit + 1, decodeCursor(request.query.cursor));
        return pageOf(rows, request.query.limit);
      },
    );

    r.delete(
      "/tokens/:id",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Revoke an API token",
          params: IdPath,
          response: withProblems({ 200: TokenView }),
        },
      },
      async (request) => {
        if (!(await ctx.tokens.revoke(request.params.id))) {
          throw new ApiError("NOT_FOUND", `token ${request.params.id} not found`);
        }
        return (await ctx.tokens.get(request.params.id))!;
      },
    );
  };
}
