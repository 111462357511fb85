import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IdPath, Page, PageQuery, withProblems } from "../../api-schemas/common.ts";
import { CreatedToken, CreateTokenRequest, RenewTokenRequest, TokenView } from "../../api-schemas/tokens.ts";
import type { AppContext } from "../../app-context.ts";
import { type ApiTokenView, MAX_TOKEN_LIFETIME_MS } from "../../auth/api-tokens.ts";
import { scopeAllows } from "../../auth/scopes.ts";
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

/** Left out of a renewal: the old token's lifetime again from now, capped; a token that never expired, never. */
function renewedExpiry(old: ApiTokenView, now: number): number | null {
  if (old.expiresAt === null) return null;
  return now + Math.min(old.expiresAt - old.createdAt, MAX_TOKEN_LIFETIME_MS);
}

/** Whether expiry `a` lies after `b` (null: never). */
function outlives(a: number | null, b: number | null): boolean {
  if (b === null) return false;
  return a === null || a > b;
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

    r.get(
      "/tokens/current",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "The token this request is made with (its expiry, for a console to warn before it)",
          response: withProblems({ 200: TokenView }),
        },
      },
      async (request) => {
        const token = await ctx.tokens.get(request.principal!.tokenId);
        if (!token) throw new ApiError("NOT_FOUND", "this request's token is gone");
        return token;
      },
    );

    r.post(
      "/tokens/:id/renew",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary:
            "Renew a token: a new secret with the same name and scope and a new expiry; the old token is revoked in the same transaction (admin: any token; otherwise only the token making the request)",
          params: IdPath,
          body: Type.Optional(RenewTokenRequest),
          response: withProblems({ 201: CreatedToken }),
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const principal = request.principal!;
        if (principal.tokenId !== id && !scopeAllows(principal.scope, "admin")) {
          throw new ApiError(
            "FORBIDDEN",
            "a token may renew itself; renewing another token needs scope admin",
          );
        }
        const old = await ctx.tokens.get(id);
        if (!old) throw new ApiError("NOT_FOUND", `token ${id} not found`);
        const now = ctx.tokens.now();
        const asked = request.body?.expiresAt;
        if (asked !== undefined && asked !== null) checkExpiry(asked, now);
        const expiresAt = asked === undefined ? renewedExpiry(old, now) : asked;
        // Only an admin issues lifetimes: a token renewing itself gets at most the lifetime it was given (or a
        // leaked 1-hour secret could make itself a never-expiring one).
        if (!scopeAllows(principal.scope, "admin") && outlives(expiresAt, renewedExpiry(old, now))) {
          throw new ApiError(
            "FORBIDDEN",
            "a token renewing itself gets at most the lifetime it was given; a longer one needs scope admin",
          );
        }
        const renewed = await ctx.tokens.renew(id, expiresAt);
        if (renewed === undefined) throw new ApiError("NOT_FOUND", `token ${id} not found`);
        if ("refused" in renewed) {
          throw new ApiError(
            "INVALID_STATE",
            `token ${id} is ${renewed.refused}: it cannot be renewed; create a new token instead`,
          );
        }
        return reply.code(201).send(renewed);
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
