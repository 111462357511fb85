/** API token scopes, each including the ones below it. */
export const Scope = { ADMIN: "admin", OPERATOR: "operator", VIEWER: "viewer" } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

const RANK: Record<Scope, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when a token of scope `held` may call a route that requires `required`. */
export function scopeAllows(held: Scope, required: Scope): boolean {
  return RANK[held] >= RANK[required];
}
