// DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), KIP-554: the cluster's SCRAM users,
// kept by the control plane for every broker. The client sends a salted password (Hi(password, salt, i)); this
// broker keeps only RFC 5802's StoredKey and ServerKey derived from it. Kafka's rules: CLUSTER DESCRIBE /
// CLUSTER ALTER (CLUSTER_AUTHORIZATION_FAILED); one result per user; a user named twice is DUPLICATE_RESOURCE
// (describe) and a (user, mechanism) altered twice too (alter); UNSUPPORTED_SASL_MECHANISM for an unknown
// mechanism; UNACCEPTABLE_CREDENTIAL for an empty name, iterations outside 4096–16384 or a salted password of the
// wrong length; RESOURCE_NOT_FOUND for describing a user without credentials or deleting a missing credential.
// A user with any refused alteration gets that error and none of its alterations is applied.
import {
  type AlterScramCredentialsRequest,
  RESERVED_KAFKA_USERS,
  type ScramCredentialRecord,
} from "@cirrus/broker-api";
import {
  type AlterUserScramCredentialsRequest,
  type ApiKey,
  credentialFromSaltedPassword,
  type DescribeUserScramCredentialsRequest,
  ErrorCode,
  SCRAM_HASH_BYTES,
  SCRAM_HASH_OF,
} from "@cirrus/kafka-protocol";
import { scramMechanismCode, scramMechanismOf } from "../security/acl-codes.ts";
import { isClusterAllowed } from "../security/request-authorization.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export async function handleDescribeUserScramCredentials(
  request: DescribeUserScramCredentialsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeUserScramCredentials>> {
  const { services } = context;
  const top = (errorCode: number, errorMessage: string | null) => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    results: [],
  });
  if (!isClusterAllowed(context, "DESCRIBE"))
    return top(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
  if (!services.securityAdmin)
    return top(ErrorCode.UNSUPPORTED_VERSION, "no cluster user store on this broker");
  const { scramCredentials } = await services.securityAdmin.security();
  const byUser = new Map<string, ScramCredentialRecord[]>();
  // The control plane's reserved users (its own, the inter-broker one) are nobody's to see: as if absent.
  for (const c of scramCredentials) {
    if (!RESERVED_KAFKA_USERS.has(c.user)) byUser.set(c.user, [...(byUser.get(c.user) ?? []), c]);
  }
  const infos = (user: string) =>
    (byUser.get(user) ?? []).map((c) => ({
      mechanism: scramMechanismCode(c.mechanism),
      iterations: c.iterations,
    }));
  const named = request.users?.map((u) => u.name) ?? [];
  if (named.length === 0) {
    return {
      ...top(ErrorCode.NONE, null),
      results: [...byUser.keys()].map((user) => ({
        user,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        credentialInfos: infos(user),
      })),
    };
  }
  const counts = new Map<string, number>();
  for (const name of named) counts.set(name, (counts.get(name) ?? 0) + 1);
  return {
    ...top(ErrorCode.NONE, null),
    results: [...counts].map(([user, count]) => {
      if (count > 1)
        return {
          user,
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: "Cannot describe SCRAM credentials for the same user twice in a single request",
          credentialInfos: [],
        };
      if (!byUser.has(user))
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: "Attempt to describe a user credential that does not exist",
          credentialInfos: [],
        };
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) };
    }),
  };
}

interface Refusal {
  readonly errorCode: number;
  readonly errorMessage: string;
}

export async function handleAlterUserScramCredentials(
  request: AlterUserScramCredentialsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.AlterUserScramCredentials>> {
  const { services } = context;
  const users = alteredUsers(request);
  const every = (errorCode: number, errorMessage: string) => ({
    throttleTimeMs: 0,
    results: users.map((user) => ({ user, errorCode, errorMessage })),
  });
  if (!isClusterAllowed(context, "ALTER"))
    return every(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
  if (!services.securityAdmin)
    return every(ErrorCode.UNSUPPORTED_VERSION, "no cluster user store on this broker");

  const refused = new Map<string, Refusal>();
  const refuse = (user: string, errorCode: number, errorMessage: string) => {
    if (!refused.has(user)) refused.set(user, { errorCode, errorMessage });
  };
  const seen = new Set<string>();
  const alteration = (user: string, code: number) => {
    const mechanism = scramMechanismOf(code);
    if (user.length === 0) refuse(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
    else if (RESERVED_KAFKA_USERS.has(user))
      refuse(user, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `The user ${user} is the control plane's own`);
    else if (mechanism === null)
      refuse(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism ${code}`);
    else if (seen.has(`${mechanism}\u0000${user}`))
      refuse(
        user,
        ErrorCode.DUPLICATE_RESOURCE,
        "A user credential cannot be altered twice in the same request",
      );
    if (mechanism) seen.add(`${mechanism}\u0000${user}`);
    return mechanism;
  };
  const deletions: AlterScramCredentialsRequest["deletions"] = [];
  for (const d of request.deletions) {
    const mechanism = alteration(d.name, d.mechanism);
    if (mechanism) deletions.push({ user: d.name, mechanism });
  }
  const upsertions: ScramCredentialRecord[] = [];
  for (const u of request.upsertions) {
    const mechanism = alteration(u.name, u.mechanism);
    if (!mechanism) continue;
    const hash = SCRAM_HASH_OF[mechanism];
    if (u.iterations < SCRAM_MIN_ITERATIONS)
      refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
    else if (u.iterations > SCRAM_MAX_ITERATIONS)
      refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
    else if (u.salt.length === 0) refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Salt must not be empty");
    else if (u.saltedPassword.length !== SCRAM_HASH_BYTES[hash])
      refuse(
        u.name,
        ErrorCode.UNACCEPTABLE_CREDENTIAL,
        `The salted password of ${mechanism} has ${SCRAM_HASH_BYTES[hash]} bytes`,
      );
    else {
      const credential = credentialFromSaltedPassword(
        Buffer.from(u.saltedPassword),
        Buffer.from(u.salt),
        u.iterations,
        hash,
      );
      upsertions.push({
        user: u.name,
        mechanism,
        iterations: u.iterations,
        salt: credential.salt.toString("base64"),
        storedKey: credential.storedKey.toString("base64"),
        serverKey: credential.serverKey.toString("base64"),
      });
    }
  }
  const accepted = {
    deletions: deletions.filter((d) => !refused.has(d.user)),
    upsertions: upsertions.filter((u) => !refused.has(u.user)),
  };
  const notFound = new Set<string>();
  if (accepted.deletions.length + accepted.upsertions.length > 0) {
    const answer = await services.securityAdmin.alterScramCredentials(accepted);
    answer.deletions.forEach((result, i) => {
      if (result.error === "RESOURCE_NOT_FOUND") notFound.add(accepted.deletions[i]!.user);
    });
    await services.security?.refreshAfterChange();
  }
  return {
    throttleTimeMs: 0,
    results: users.map((user) => {
      const refusal = refused.get(user);
      if (refusal) return { user, ...refusal };
      if (notFound.has(user))
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: "Attempt to delete a user credential that does not exist",
        };
      return { user, errorCode: ErrorCode.NONE, errorMessage: null };
    }),
  };
}

export const describeUserScramCredentialsError = (
  _: DescribeUserScramCredentialsRequest,
  errorCode: number,
) => ({
  throttleTimeMs: 0,
  errorCode,
  errorMessage: null,
  results: [],
});
export const alterUserScramCredentialsError = (
  request: AlterUserScramCredentialsRequest,
  errorCode: number,
) => ({
  throttleTimeMs: 0,
  results: alteredUsers(request).map((user) => ({ user, errorCode, errorMessage: null })),
});

/** The users an AlterUserScramCredentials request names, each once, deletions first: one result each. */
function alteredUsers(request: AlterUserScramCredentialsRequest): string[] {
  return [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
}
