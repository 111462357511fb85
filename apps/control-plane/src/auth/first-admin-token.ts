import { sql } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { apiTokens } from "../db/schema.ts";
import { hashSecret, newId, newSecret, TokenPrefix } from "./token-secrets.ts";

/**
 * Creates the first admin token when there is no token at all, and returns its secret (only then:
 * it is never stored). The table lock makes replicas starting together create exactly one.
 */
export async function ensureFirstAdminToken(db: Db, secret?: string): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table api_tokens in share row exclusive mode`);
    const [any] = await tx.select({ id: apiTokens.id }).from(apiTokens).limit(1);
    if (any) return undefined;
    const value = secret ?? newSecret(TokenPrefix.API);
    await tx.insert(apiTokens).values({
      id: newId(),
      name: "first-admin",
      scope: "admin",
      hash: hashSecret(value),
      createdAt: Date.now(),
    });
    return value;
  });
}
