import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { apiTokens } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Scope } from "./scopes.ts";
import { hashSecret, newId, newSecret, TokenPrefix } from "./token-secrets.ts";

export interface Principal {
  tokenId: string;
  name: string;
  scope: Scope;
  /** When the token stops being accepted (ms since the epoch); null: never. Fixed for a token's life. */
  expiresAt: number | null;
}

export interface ApiTokenView {
  id: string;
  name: string;
  scope: Scope;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** When it stops being accepted (ms since the epoch); null: never. */
  expiresAt: number | null;
}

/** Why a secret was refused: the 401's problem says which (an expired token is TOKEN_EXPIRED). */
export type TokenRefusal = "unknown" | "revoked" | "expired";

/** What a secret is worth now: its principal, or why it is refused. */
export type TokenCheck = { principal: Principal } | { refused: TokenRefusal };

/** The longest lifetime a token may be given when it has an expiry (a token may also never expire). */
export const MAX_TOKEN_LIFETIME_MS = 366 * 24 * 60 * 60 * 1000;

type Row = typeof apiTokens.$inferSelect;

function view(row: Row): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope as Scope,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    expiresAt: row.expiresAt,
  };
}

/** What a stored row (or none) is worth at `now`. */
function checkRow(row: Row | undefined, now: number): TokenCheck {
  if (!row) return { refused: "unknown" };
  if (row.revokedAt !== null) return { refused: "revoked" };
  if (row.expiresAt !== null && row.expiresAt <= now) return { refused: "expired" };
  return {
    principal: { tokenId: row.id, name: row.name, scope: row.scope as Scope, expiresAt: row.expiresAt },
  };
}

/**
 * API tokens, stored as SHA-256 hashes. Verified tokens are cached for `cacheMs` so that reads stay
 * fast; a revocation therefore takes up to `cacheMs` to reach the other replicas (this one drops
 * its cache entry at once). An expiry is checked against the clock at every use, cached or not.
 */
export class ApiTokens {
  readonly #db: Db;
  readonly #cacheMs: number;
  readonly #now: () => number;
  /** Keyed by the secret's hash: the row as read (undefined: no such token) and until when it is trusted. */
  readonly #cache = new Map<string, { row: Row | undefined; until: number }>();
  readonly #revokeListeners = new Set<(tokenId: string) => void>();

  constructor(db: Db, options: { cacheMs?: number; now?: () => number } = {}) {
    this.#db = db;
    this.#cacheMs = options.cacheMs ?? 2_000;
    this.#now = options.now ?? Date.now;
  }

  /** The clock expiries are judged by (injected in tests). */
  now(): number {
    return this.#now();
  }

  /**
   * Creates a token; the secret is returned here only. `expiresAt` (ms since the epoch; omitted: never) is taken
   * as given: the route checks it is in the future and within MAX_TOKEN_LIFETIME_MS. `secret` may be given
   * (bootstrap).
   */
  async create(
    name: string,
    scope: Scope,
    options: { expiresAt?: number | null; secret?: string } = {},
  ): Promise<{ token: ApiTokenView; secret: string }> {
    const secret = options.secret ?? newSecret(TokenPrefix.API);
    const [row] = await this.#db
      .insert(apiTokens)
      .values({
        id: newId(),
        name,
        scope,
        hash: hashSecret(secret),
        createdAt: this.#now(),
        expiresAt: options.expiresAt ?? null,
      })
      .returning();
    return { token: view(row!), secret };
  }

  /** The principal of a valid token (known, not revoked, not expired); null otherwise. */
  async verify(secret: string): Promise<Principal | null> {
    const checked = await this.check(secret);
    return "principal" in checked ? checked.principal : null;
  }

  /** The principal of a valid token, or why it is refused (unknown, revoked or expired). */
  async check(secret: string): Promise<TokenCheck> {
    const hash = hashSecret(secret);
    const now = this.#now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return checkRow(cached.row, now);
    const [row] = await this.#db.select().from(apiTokens).where(eq(apiTokens.hash, hash));
    if (this.#cache.size > 10_000) this.#cache.clear(); // bounded: unknown tokens must not grow it forever
    this.#cache.set(hash, { row, until: now + this.#cacheMs });
    const checked = checkRow(row, now);
    if ("principal" in checked && (row!.lastUsedAt ?? 0) < now - 60_000) {
      await this.#db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row!.id));
    }
    return checked;
  }

  /** Whether token `id` exists, is not revoked and has not expired, read from the database now (no cache). */
  async isActive(id: string): Promise<boolean> {
    return (await this.status(id)) === "active";
  }

  /** Token `id` read from the database now (no cache): active, or why it is no longer accepted. */
  async status(id: string): Promise<"active" | TokenRefusal> {
    const [row] = await this.#db.select().from(apiTokens).where(eq(apiTokens.id, id));
    const checked = checkRow(row, this.#now());
    return "principal" in checked ? "active" : checked.refused;
  }

  /**
   * Calls `listener` with a token's id when this instance revokes it (other replicas' revocations are not seen
   * here: the stream gate polls status for those). Returns the unsubscribe.
   */
  onRevoke(listener: (tokenId: string) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  /**
   * Replaces token `id` with a new one (new secret, same name and scope, expiring at `expiresAt`; null: never)
   * and revokes it, in one transaction: at no moment are both accepted, and the old secret stops at once rather
   * than at its expiry. Returns undefined when there is no such token, or why it cannot be renewed (a revoked or
   * expired token is not brought back: make a new one).
   */
  async renew(
    id: string,
    expiresAt: number | null,
  ): Promise<{ token: ApiTokenView; secret: string } | { refused: TokenRefusal } | undefined> {
    const secret = newSecret(TokenPrefix.API);
    const now = this.#now();
    const outcome = await inTransaction(this.#db, async (tx) => {
      const [old] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for("update");
      if (!old) return undefined;
      const checked = checkRow(old, now);
      if (!("principal" in checked)) return { refused: checked.refused };
      const [row] = await tx
        .insert(apiTokens)
        .values({
          id: newId(),
          name: old.name,
          scope: old.scope,
          hash: hashSecret(secret),
          createdAt: now,
          expiresAt,
        })
        .returning();
      await tx.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id));
      return { token: view(row!), secret, oldHash: old.hash };
    });
    if (outcome === undefined || "refused" in outcome) return outcome;
    this.#cache.delete(outcome.oldHash);
    for (const listener of this.#revokeListeners) listener(id);
    return { token: outcome.token, secret: outcome.secret };
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
      .set({ revokedAt: this.#now() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ hash: apiTokens.hash });
    for (const row of rows) this.#cache.delete(row.hash);
    if (rows.length > 0) for (const listener of this.#revokeListeners) listener(id);
    return rows.length > 0 || (await this.get(id)) !== undefined;
  }
}
