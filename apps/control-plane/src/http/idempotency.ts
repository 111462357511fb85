import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/database.ts";
import { idempotencyKeys } from "../db/schema.ts";
import { isUniqueViolation } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { secretBoxOf } from "../secrets/database-secret-box.ts";
import { isSealed, rowAad, SecretBoxError } from "../secrets/secret-box.ts";

const KEY = /^[\x21-\x7e]{1,128}$/;
/** Placeholder status while the first request with a key runs. */
const IN_PROGRESS = 0;
/** Keys are remembered for a day (Stripe's and the IETF draft's usual window). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

declare module "fastify" {
  interface FastifyRequest {
    idempotency: { tokenId: string; key: string } | null;
  }
}

function requestHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest("hex");
}

/** The additional authenticated data of a stored answer: this table, the token and the key. */
export function idempotencyResponseAad(tokenId: string, key: string): string {
  return rowAad("idempotency_keys", tokenId, key);
}

/**
 * The stored answer as the client got it. Answers are stored sealed (some carry a secret shown once: a new API
 * token's, a new cluster's broker token); one from before sealing is as it was stored.
 */
function storedAnswer(db: Db, tokenId: string, key: string, response: unknown): unknown {
  if (typeof response !== "string" || !isSealed(response)) return response;
  try {
    return JSON.parse(secretBoxOf(db).open(response, idempotencyResponseAad(tokenId, key)));
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new ApiError(
      "CREDENTIAL_UNREADABLE",
      `the stored answer of Idempotency-Key ${key} cannot be opened (${error.code}); retry with a new key`,
      { cause: error },
    );
  }
}

/**
 * `Idempotency-Key` on POSTs: the first request with a key runs and its answer (unless 5xx) is
 * stored, sealed; a repeat with the same body gets the stored answer, a repeat with another body 422, a
 * repeat while the first still runs 409. Keys are per token; the retention controller forgets them
 * after IDEMPOTENCY_TTL_MS.
 */
export function registerIdempotency(app: FastifyInstance, db: Db): void {
  app.decorateRequest("idempotency", null);
  app.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers["idempotency-key"];
    if (request.method !== "POST" || key === undefined || !request.principal) return;
    if (typeof key !== "string" || !KEY.test(key)) {
      throw new ApiError("INVALID_REQUEST", "Idempotency-Key must be 1-128 printable ASCII characters");
    }
    const tokenId = request.principal.tokenId;
    const hash = requestHash(request);
    const now = Date.now();
    try {
      await db
        .insert(idempotencyKeys)
        .values({ tokenId, key, requestHash: hash, statusCode: IN_PROGRESS, createdAt: now });
      request.idempotency = { tokenId, key };
      return;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const [stored] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)));
    if (!stored) throw new ApiError("IDEMPOTENCY_IN_PROGRESS", "retry: the key was just released");
    if (stored.requestHash !== hash) throw new ApiError("IDEMPOTENCY_KEY_REUSED");
    if (stored.statusCode === IN_PROGRESS) throw new ApiError("IDEMPOTENCY_IN_PROGRESS");
    reply.header("idempotent-replayed", "true");
    return reply.code(stored.statusCode).send(storedAnswer(db, tokenId, key, stored.response));
  });
  app.addHook("onSend", async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const idem = request.idempotency;
    if (!idem) return payload;
    request.idempotency = null;
    const where = and(eq(idempotencyKeys.tokenId, idem.tokenId), eq(idempotencyKeys.key, idem.key));
    if (reply.statusCode >= 500) {
      // The outcome is unknown to the client: let it retry with the same key.
      await db.delete(idempotencyKeys).where(where);
    } else {
      const text =
        typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : "null";
      let response: unknown = null;
      try {
        response = JSON.parse(text);
      } catch {
        response = null;
      }
      const sealed = secretBoxOf(db).seal(
        JSON.stringify(response),
        idempotencyResponseAad(idem.tokenId, idem.key),
      );
      await db.update(idempotencyKeys).set({ statusCode: reply.statusCode, response: sealed }).where(where);
    }
    return payload;
  });
}
