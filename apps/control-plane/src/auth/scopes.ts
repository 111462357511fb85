/**
 * API token scopes, each including the ones below it. `metrics` is the least: it reads GET /metrics and
 * nothing else, so the credential a Prometheus server keeps cannot read clusters, topics or the audit log.
 */
export const Scope = { ADMIN: "admin", OPERATOR: "operator", VIEWER: "viewer", METRICS: "metrics" } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

const RANK: Record<Scope, number> = { metrics: 0, viewer: 1, operator: 2, admin: 3 };

/** True when a token of scope `held` may call a route that requires `required`. */
export function scopeAllows(held: Scope, required: Scope): boolean {
  return RANK[held] >= RANK[required];
}
