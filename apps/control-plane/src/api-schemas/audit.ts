import { Type } from "@sinclair/typebox";
import { Millis } from "./common.ts";

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Millis,
  tokenId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  resource: Type.String(),
  status: Type.Integer(),
  requestId: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const AuditQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    /** Entries with an id below this (the previous page's nextCursor). */
    cursor: Type.Optional(Type.String({ pattern: "^[0-9]{1,18}$" })),
  },
  { additionalProperties: false },
);
