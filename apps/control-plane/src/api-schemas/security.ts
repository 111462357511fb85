import { AclBinding, AclBindingFilter, ScramMechanism } from "@cirrus/broker-api";
import { Type } from "@sinclair/typebox";

export const AclList = Type.Object({ items: Type.Array(AclBinding) });

export const DeleteAclsResult = Type.Object({
  /** The bindings the filter matched, now deleted (empty: nothing matched). */
  deleted: Type.Array(AclBinding),
});

export { AclBinding, AclBindingFilter };

/** Kafka user names as SCRAM carries them; no control characters. */
export const UserName = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: "^[^\\u0000-\\u001f\\u007f]+$",
});

export const ClusterUserPath = Type.Object(
  { id: Type.String({ format: "uuid" }), name: UserName },
  { additionalProperties: false },
);

export const KafkaUser = Type.Object({
  name: Type.String(),
  /** The SCRAM mechanisms the user can log in with, and their iteration counts. */
  credentials: Type.Array(Type.Object({ mechanism: ScramMechanism, iterations: Type.Integer() })),
});

export const KafkaUserList = Type.Object({ items: Type.Array(KafkaUser) });

/**
 * Sets a user's SCRAM credential for one mechanism (creating the user). The password is used to derive RFC 5802's
 * keys and then dropped: it is never stored, logged or answered.
 */
export const PutKafkaUserRequest = Type.Object(
  {
    password: Type.String({ minLength: 8, maxLength: 1024 }),
    mechanism: Type.Optional(ScramMechanism),
    iterations: Type.Optional(Type.Integer({ minimum: 4096, maximum: 16384 })),
  },
  { additionalProperties: false },
);
