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
  expiresAt: Type.Union([Millis, Type.Null()], {
    description: "when the token stops being accepted, ms since the epoch; null: never",
  }),
});

export const CreateTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: "^[\\w .@-]+$" }),
    scope: ScopeSchema,
    expiresAt: Type.Optional(
      Type.Union([Millis, Type.Null()], {
        description:
          "when the token stops being accepted, ms since the epoch: in the future, at most 366 days ahead; left out or null: never",
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedToken = Type.Object({
  token: TokenView,
  /** Shown once: store it now. */
  secret: Type.String(),
});

export const RenewTokenRequest = Type.Object(
  {
    expiresAt: Type.Optional(
      Type.Union([Millis, Type.Null()], {
        description:
          "when the new token stops being accepted, ms since the epoch: in the future, at most 366 days ahead; null: never; left out: the old token's lifetime again from now (never, if it never expired)",
      }),
    ),
  },
  { additionalProperties: false },
);
