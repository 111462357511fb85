import { Type } from "@sinclair/typebox";
import { Millis, NullableMillis } from "./common.ts";

/** Each includes the ones after it; `metrics` only reads GET /metrics (see auth/scopes.ts). */
export const ScopeSchema = Type.Union([
  Type.Literal("admin"),
  Type.Literal("operator"),
  Type.Literal("viewer"),
  Type.Literal("metrics"),
]);

export const TokenView = Type.Object({
  id: Type.String({ format: "uuid" }),
  name: Type.String(),
  scope: ScopeSchema,
  createdAt: Millis,
  lastUsedAt: NullableMillis,
  revokedAt: NullableMillis,
});

export const CreateTokenRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: "^[\\w .@-]+$" }), scope: ScopeSchema },
  { additionalProperties: false },
);

export const CreatedToken = Type.Object({
  token: TokenView,
  /** Shown once: store it now. */
  secret: Type.String(),
});
