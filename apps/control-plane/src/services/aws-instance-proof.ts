// What makes an aws instance proof good once, for this control plane, for a few minutes: the signed
// sts:GetCallerIdentity (auth/aws-caller-identity.ts) must carry an unspent challenge of the cluster, and STS must
// say it was signed by the cluster's instance role, in the expected account, in a session named for the instance
// whose identity document came with it. The identity document alone (replayable forever: it never changes and
// carries no nonce) no longer gets a credential.
import { stsUrlFor } from "@cirrus/broker-api";
import type { ClusterSpec } from "../api-schemas/clusters.ts";
import {
  callerOfSignedRequest,
  checkSignedCallerIdentity,
  type SignedCallerIdentityRequest,
} from "../auth/aws-caller-identity.ts";
import type { AwsAccountSource } from "../auth/own-aws-account.ts";
import type { Db } from "../db/database.ts";
import { ApiError } from "../errors.ts";
import { checkInstanceChallengeOpen, spendInstanceChallenge } from "./instance-challenges.ts";

export interface AwsProofOptions {
  /** The account the caller must be in (configured, or the control plane's own). */
  readonly account: AwsAccountSource;
  /** STS endpoint to forward to instead of the region's (tests: moto). */
  readonly stsEndpoint?: string | undefined;
  readonly fetch?: typeof fetch;
}

const refuse = (why: string) => new ApiError("UNAUTHORIZED", `instance identity refused: ${why}`);

/**
 * Checks `request` for instance `instanceId` (the one its verified identity document names) of cluster
 * `clusterId` and spends its challenge. UNAUTHORIZED (401) saying why; UNAVAILABLE (503, retriable) when STS or
 * the control plane's own account cannot be asked now.
 */
export async function verifyAwsInstanceProof(
  db: Db,
  cluster: { readonly id: string; readonly spec: ClusterSpec },
  instanceId: string,
  request: SignedCallerIdentityRequest | undefined,
  options: AwsProofOptions,
  now = Date.now(),
): Promise<void> {
  if (!request) {
    throw refuse(
      "an aws proof must carry a sts:GetCallerIdentity signed with the instance role and a challenge " +
        "(POST /internal/v1/instance-challenges); the identity document alone can be replayed",
    );
  }
  const roleName = cluster.spec.aws?.instanceRoleName;
  if (!roleName) {
    throw refuse(
      `cluster ${cluster.id} names no aws.instanceRoleName, so no instance role can prove an instance`,
    );
  }
  const { region } = cluster.spec;
  const { challenge, headers } = checkSignedCallerIdentity(
    request,
    { stsUrl: stsUrlFor(region, options.stsEndpoint), region },
    now,
  );
  // Before STS is asked: a made-up, spent or expired challenge must not buy a request to STS (the identity
  // document that got the caller this far can be replayed by anyone who saw it).
  await checkInstanceChallengeOpen(db, cluster.id, challenge, now);
  const caller = await callerOfSignedRequest(request, headers, options.fetch ? { fetch: options.fetch } : {});
  let account: string;
  try {
    account = await options.account(region);
  } catch (cause) {
    throw new ApiError("UNAVAILABLE", "the control plane cannot learn its own AWS account now: retry", {
      cause,
    });
  }
  if (caller.accountId !== account) {
    throw refuse(`the request was signed in account ${caller.accountId}, the brokers run in ${account}`);
  }
  if (caller.roleName !== roleName) {
    throw refuse(
      `the request was signed by role ${caller.roleName}, the cluster's instance role is ${roleName}`,
    );
  }
  if (caller.sessionName !== instanceId) {
    throw refuse(
      `the request was signed by the role session of ${caller.sessionName}, the identity document is ${instanceId}'s`,
    );
  }
  // Spent only once STS vouched for the signature: a request someone else made up cannot burn the challenge.
  await spendInstanceChallenge(db, cluster.id, challenge, now);
}
