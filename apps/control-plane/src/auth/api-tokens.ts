import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { apiTokens } from "../db/schema.ts";
import type { Scope } from "./scopes.ts";
import { hashSecret, newId, newSecret, TokenPrefix } from "./token-secrets.ts";

export interface Principal {
  tokenId: string;
  name: string;
  scope: Scope;
}

export interface ApiTokenView {
  id: string;
  name: string;
  scope: Scope;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

type Row = typeof apiTokens.$inferSelect;

function view(row: Row): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope as Scope,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/**
 * API tokens, stored as SHA-256 hashes. Verified tokens are cached for `cacheMs` so that reads stay
 * fast; a revocation therefore takes up to `cacheMs` to reach the other replicas (this one drops
 * its cache entry at once).
 */
export class ApiTokens {
  readonly #db: Db;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { principal: Principal | null; until: number }>();
  readonly #revokeListeners = new Set<(tokenId: string) => void>();

  constructor(db: Db, options: { cacheMs?: number } = {}) {
    this.#db = db;
    this.#cacheMs = options.cacheMs ?? 2_000;
  }

  /** Creates a token; the secret is returned here only. `secret` may be given (bootstrap). */
  async create(
    name: string,
    scope: Scope,
    secret = newSecret(TokenPrefix.API),
  ): Promise<{ token: ApiTokenView; secret: string }> {
    const [row] = await this.#db
      .insert(apiTokens)
      .values({ id: newId(), name, scope, hash: hashSecret(secret), createdAt: Date.now() })
      .returning();
    return { token: view(row!), secret };
  }

  /** The principal of a valid, unrevoked token; null otherwise. */
  async verify(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const [row] = await this.#db.select().from(apiTokens).where(eq(apiTokens.hash, hash));
    const principal =
      row && row.revokedAt === null ? { tokenId: row.id, name: row.name, scope: row.scope as Scope } : null;
    if (this.#cache.size > 10_000) this.#cache.clear(); // bounded: unknown tokens must not grow it forever
    this.#cache.set(hash, { principal, until: now + this.#cacheMs });
    if (principal && (row!.lastUsedAt ?? 0) < now - 60_000) {
      await this.#db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row!.id));
    }
    return principal;
  }

  /** Whether token `id` exists and is not revoked, read from the database now (no cache). */
  async isActive(id: string): Promise<boolean> {
    const [row] = await this.#db
      .select({ revokedAt: apiTokens.revokedAt })
      .from(apiTokens)
      .where(eq(apiTokens.id, id));
    return row !== undefined && row.revokedAt === null;
  }

  /**
   * Calls `listener` with a token's id when this instance revokes it (other replicas' revocations are not seen
   * here: poll isActive for those). Returns the unsubscribe.
   */
  onRevoke(listener: (tokenId: string) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  /** Tokens, newest first, after the cursor (createdAt, id). */
  async list(limit: number, after?: { createdAt: number; id: string }): Promise<ApiTokenView[]> {
    const rows = await this.#db
      .select()
      .from(apiTokens)
      .where(
        after
          ? or(
              lt(apiTokens.createdAt, after.createdAt),
              and(eq(apiTokens.createdAt, after.createdAt), lt(apiTokens.id, after.id)),
            )
          : undefined,
      )
      .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
      .limit(limit);
    return rows.map(view);
  }

  async get(id: string): Promise<ApiTokenView | undefined> {
    const [row] = await this.#db.select().from(apiTokens).where(eq(apiTokens.id, id));
    return row ? view(row) : undefined;
  }

  /** Revokes a token (idempotent). Returns false when there is no such token. */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.#db
      .update(apiTokens)
      .set({ revokedAt: Date.now() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ hash: apiTokens.hash });
    for (const row of rows) this.#cache.delete(row.hash);
    if (rows.length > 0) for (const listener of this.#revokeListeners) listener(id);
    return rows.length > 0 || (await this.get(id)) !== undefined;
  }
}
