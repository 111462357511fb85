import { type Static, Type } from "@sinclair/typebox";

// The cluster's Kafka security state, kept by the control plane for every broker of the cluster: ACL bindings
// (Kafka's CreateAcls/DescribeAcls/DeleteAcls) and SCRAM credentials (AlterUserScramCredentials). Enum values
// are Kafka's names (org.apache.kafka.common.acl / resource); brokers map them to and from the wire codes.

export const AclResourceType = Type.Union([
  Type.Literal("TOPIC"),
  Type.Literal("GROUP"),
  Type.Literal("CLUSTER"),
  Type.Literal("TRANSACTIONAL_ID"),
  Type.Literal("DELEGATION_TOKEN"),
  Type.Literal("USER"),
]);
export type AclResourceType = Static<typeof AclResourceType>;

export const AclPatternType = Type.Union([Type.Literal("LITERAL"), Type.Literal("PREFIXED")]);
export type AclPatternType = Static<typeof AclPatternType>;

export const AclOperation = Type.Union([
  Type.Literal("ALL"),
  Type.Literal("READ"),
  Type.Literal("WRITE"),
  Type.Literal("CREATE"),
  Type.Literal("DELETE"),
  Type.Literal("ALTER"),
  Type.Literal("DESCRIBE"),
  Type.Literal("CLUSTER_ACTION"),
  Type.Literal("DESCRIBE_CONFIGS"),
  Type.Literal("ALTER_CONFIGS"),
  Type.Literal("IDEMPOTENT_WRITE"),
  Type.Literal("CREATE_TOKENS"),
  Type.Literal("DESCRIBE_TOKENS"),
]);
export type AclOperation = Static<typeof AclOperation>;

export const AclPermission = Type.Union([Type.Literal("ALLOW"), Type.Literal("DENY")]);
export type AclPermission = Static<typeof AclPermission>;

/** One ACL: who (principal `User:<name>`, `User:*`) from where (host, `*`) may or may not do what to which resources. */
export const AclBinding = Type.Object(
  {
    resourceType: AclResourceType,
    /** A name, `*` (LITERAL: every resource of the type) or a prefix (PREFIXED). */
    resourceName: Type.String({ minLength: 1, maxLength: 1000 }),
    patternType: AclPatternType,
    principal: Type.String({ minLength: 1, maxLength: 1000 }),
    host: Type.String({ minLength: 1, maxLength: 255 }),
    operation: AclOperation,
    permission: AclPermission,
  },
  { additionalProperties: false },
);
export type AclBinding = Static<typeof AclBinding>;

/**
 * Kafka's AclBindingFilter: a null field (and ANY) matches everything; patternType MATCH matches the bindings
 * that apply to the named resource (LITERAL same name, LITERAL `*`, PREFIXED prefixes of the name).
 */
export const AclBindingFilter = Type.Object(
  {
    resourceType: Type.Union([AclResourceType, Type.Literal("ANY")]),
    resourceName: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
    patternType: Type.Union([AclPatternType, Type.Literal("ANY"), Type.Literal("MATCH")]),
    principal: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
    host: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
    operation: Type.Union([AclOperation, Type.Literal("ANY")]),
    permission: Type.Union([AclPermission, Type.Literal("ANY")]),
  },
  { additionalProperties: false },
);
export type AclBindingFilter = Static<typeof AclBindingFilter>;

export const ScramMechanism = Type.Union([Type.Literal("SCRAM-SHA-256"), Type.Literal("SCRAM-SHA-512")]);
export type ScramMechanism = Static<typeof ScramMechanism>;

/** RFC 5802's server-side credential: never the password, never the salted password. Bytes in base64. */
export const ScramCredentialRecord = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 1000 }),
    mechanism: ScramMechanism,
    iterations: Type.Integer({ minimum: 4096, maximum: 16384 }),
    salt: Type.String({ minLength: 1, maxLength: 1000 }),
    storedKey: Type.String({ minLength: 1, maxLength: 200 }),
    serverKey: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type ScramCredentialRecord = Static<typeof ScramCredentialRecord>;

/** Everything a broker needs to authenticate SCRAM users and authorize requests, as of one read. */
export const SecuritySnapshot = Type.Object({
  /** Grows with every change (SecurityVersion): a broker re-reads the snapshot only when it moved. */
  version: Type.Integer({ minimum: 0 }),
  acls: Type.Array(AclBinding),
  scramCredentials: Type.Array(ScramCredentialRecord),
});
export type SecuritySnapshot = Static<typeof SecuritySnapshot>;

export const SecurityVersion = Type.Object({ version: Type.Integer({ minimum: 0 }) });
export type SecurityVersion = Static<typeof SecurityVersion>;

export const CreateAclsRequest = Type.Object(
  { acls: Type.Array(AclBinding, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);
export type CreateAclsRequest = Static<typeof CreateAclsRequest>;

/** Per asked binding, in request order: null when stored (or already there), else why it was refused. */
export const CreateAclsResponse = Type.Object({
  results: Type.Array(Type.Object({ error: Type.Union([Type.String(), Type.Null()]) })),
});
export type CreateAclsResponse = Static<typeof CreateAclsResponse>;

export const DeleteAclsRequest = Type.Object(
  { filters: Type.Array(AclBindingFilter, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);
export type DeleteAclsRequest = Static<typeof DeleteAclsRequest>;

/** Per filter, in request order: the bindings it deleted, or why the filter was refused. */
export const DeleteAclsResponse = Type.Object({
  results: Type.Array(
    Type.Object({ error: Type.Union([Type.String(), Type.Null()]), deleted: Type.Array(AclBinding) }),
  ),
});
export type DeleteAclsResponse = Static<typeof DeleteAclsResponse>;

/**
 * AlterUserScramCredentials: credentials to store (replacing the user's credential of that mechanism) and
 * (user, mechanism) pairs to delete, applied in one transaction.
 */
export const AlterScramCredentialsRequest = Type.Object(
  {
    upsertions: Type.Array(ScramCredentialRecord, { maxItems: 10_000 }),
    deletions: Type.Array(
      Type.Object(
        { user: Type.String({ minLength: 1, maxLength: 1000 }), mechanism: ScramMechanism },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);
export type AlterScramCredentialsRequest = Static<typeof AlterScramCredentialsRequest>;

/** Per deletion then per upsertion, in request order: null when applied; RESOURCE_NOT_FOUND for a deletion of nothing. */
export const AlterScramCredentialsResponse = Type.Object({
  deletions: Type.Array(
    Type.Object({ error: Type.Union([Type.Literal("RESOURCE_NOT_FOUND"), Type.Null()]) }),
  ),
});
export type AlterScramCredentialsResponse = Static<typeof AlterScramCredentialsResponse>;

/**
 * The SCRAM user the control plane authenticates as to its clusters' brokers (message browser, consumer groups).
 * Brokers treat `User:cirrus-control-plane` as a super user; its credential is the control plane's own (random,
 * per cluster, never managed by an operator) and no Kafka client or API call may create, alter or delete it.
 */
export const CONTROL_PLANE_KAFKA_USER = "cirrus-control-plane";
export const CONTROL_PLANE_PRINCIPAL = `User:${CONTROL_PLANE_KAFKA_USER}`;

/**
 * The SCRAM user brokers authenticate as to each other (a transaction coordinator writing markers to partitions
 * other brokers lead), as Kafka's inter-broker principal. Brokers treat `User:cirrus-broker` as a super user; its
 * credential is made by the control plane (random, per cluster, sealed at rest) and handed to the cluster's
 * brokers only (InterBrokerCredential, over their token). Like the control plane's user, no Kafka client or API
 * call may list, create, alter or delete it.
 */
export const INTER_BROKER_KAFKA_USER = "cirrus-broker";
export const INTER_BROKER_PRINCIPAL = `User:${INTER_BROKER_KAFKA_USER}`;

/** The Kafka users only the control plane manages: never listed, altered or deleted through an API. */
export const RESERVED_KAFKA_USERS: ReadonlySet<string> = new Set([
  CONTROL_PLANE_KAFKA_USER,
  INTER_BROKER_KAFKA_USER,
]);

/** The inter-broker user's credential, as the control plane hands it to a broker of its cluster. */
export const InterBrokerCredential = Type.Object({
  user: Type.String(),
  password: Type.String(),
});
export type InterBrokerCredential = Static<typeof InterBrokerCredential>;
