import { Type } from "@sinclair/typebox";
import { Millis, NullableMillis } from "./common.ts";

export const ScopeSchema = Type.Union([
  Type.Literal("admin"),
  Type.Literal("operator"),
  Type.Literal("viewer"),
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
