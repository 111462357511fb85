// Broker credentials for cloud instances that proved who they are (auth/instance-identity.ts). The proof must
// come from the cluster's own cloud and region, and the instance must be one of the cluster's fleet (the
// provider lists it: a signed identity proves "an instance of this cloud", not "one of ours": Alibaba signs
// every ECS instance with one certificate); the credential is bound to the instance (a broker holding it
// registers as that instance only) and replaced by the next proof from the same instance. An aliyun proof must be
// signed with a challenge of this control plane as its audience (services/instance-challenges.ts): good once,
// for this cluster, for a few minutes; one without an audience (a broker from before challenges) is refused.
// AWS's identity document has no audience to sign: an aws proof also carries a sts:GetCallerIdentity the instance
// role signed with a challenge in it (services/aws-instance-proof.ts), and one without is refused.
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../api-schemas/clusters.ts";
import {
  type IdentityKeyring,
  type InstanceIdentityProof,
  verifyInstanceIdentity,
} from "../auth/instance-identity.ts";
import { awsAccountSource } from "../auth/own-aws-account.ts";
import { hashSecret, newSecret, TokenPrefix } from "../auth/token-secrets.ts";
import type { Db } from "../db/database.ts";
import { clusters, instanceCredentials } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { type AwsProofOptions, verifyAwsInstanceProof } from "./aws-instance-proof.ts";
import { spendInstanceChallenge } from "./instance-challenges.ts";

/** For callers that pass none: one per process, so that the control plane's own account is asked STS once. */
const DEFAULT_AWS_PROOF: AwsProofOptions = { account: awsAccountSource({}) };

/**
 * Whether `instanceId` is an instance of the cluster's fleet, as its cloud lists it now (the composition's:
 * the provider's listInstances of the cluster's fleet). Rejects when the cloud cannot be asked now.
 */
export type FleetMembership = (clusterId: string, spec: ClusterSpec, instanceId: string) => Promise<boolean>;

export async function issueInstanceCredential(
  db: Db,
  keys: IdentityKeyring,
  request: { clusterId: string; identity: InstanceIdentityProof },
  now = Date.now(),
  isFleetInstance?: FleetMembership,
  aws: AwsProofOptions = DEFAULT_AWS_PROOF,
): Promise<{ brokerToken: string; instanceId: string }> {
  const [cluster] = await db
    .select({ spec: clusters.spec, state: clusters.state })
    .from(clusters)
    .where(eq(clusters.id, request.clusterId));
  // Not NOT_FOUND: an unauthenticated caller learns nothing about which clusters exist.
  if (!cluster)
    throw new ApiError("UNAUTHORIZED", `instance identity refused for cluster ${request.clusterId}`);
  if (cluster.state === "DELETING") throw new ApiError("INVALID_STATE", "the cluster is being deleted");
  const spec = cluster.spec as ClusterSpec;
  if (spec.provider !== request.identity.provider) {
    throw new ApiError(
      "UNAUTHORIZED",
      `instance identity refused: the cluster runs on ${spec.provider}, the proof is from ${request.identity.provider}`,
    );
  }
  if (request.identity.provider === "aliyun" && request.identity.audience === undefined) {
    throw new ApiError(
      "UNAUTHORIZED",
      "instance identity refused: an aliyun proof must be signed with a challenge as its audience " +
        "(POST /internal/v1/instance-challenges, then instance-identity/pkcs7?audience=<it>); this one has none",
    );
  }
  const instance = verifyInstanceIdentity(request.identity, keys, now);
  if (instance.region !== spec.region) {
    throw new ApiError(
      "UNAUTHORIZED",
      `instance identity refused: instance ${instance.instanceId} is in ${instance.region}, the cluster in ${spec.region}`,
    );
  }
  // Spent only once the signature holds: a forged proof cannot burn an instance's challenge.
  if (request.identity.provider === "aliyun" && request.identity.audience !== undefined) {
    await spendInstanceChallenge(db, request.clusterId, request.identity.audience, now);
  }
  if (request.identity.provider === "aws") {
    const proof = request.identity.callerIdentity;
    await verifyAwsInstanceProof(db, { id: request.clusterId, spec }, instance.instanceId, proof, aws, now);
  }
  if (isFleetInstance) {
    let member: boolean;
    try {
      member = await isFleetInstance(request.clusterId, spec, instance.instanceId);
    } catch (cause) {
      throw new ApiError(
        "UNAVAILABLE",
        `the fleet of cluster ${request.clusterId} cannot be read now: retry`,
        {
          cause,
        },
      );
    }
    // Retriable: a scaling group may list a just-launched instance a moment after it booted.
    if (!member)
      throw new ApiError(
        "UNAVAILABLE",
        `instance ${instance.instanceId} is not (yet) an instance of cluster ${request.clusterId}'s fleet: retry`,
      );
  }
  const brokerToken = newSecret(TokenPrefix.BROKER);
  const tokenHash = hashSecret(brokerToken);
  await db
    .insert(instanceCredentials)
    .values({ clusterId: request.clusterId, instanceId: instance.instanceId, tokenHash, issuedAt: now })
    .onConflictDoUpdate({
      target: [instanceCredentials.clusterId, instanceCredentials.instanceId],
      set: { tokenHash, issuedAt: now },
    });
  return { brokerToken, instanceId: instance.instanceId };
}

/** The cluster and instance an instance credential belongs to, or undefined. */
export async function ownerOfInstanceCredential(
  db: Db,
  token: string,
): Promise<{ clusterId: string; instanceId: string } | undefined> {
  const [row] = await db
    .select({ clusterId: instanceCredentials.clusterId, instanceId: instanceCredentials.instanceId })
    .from(instanceCredentials)
    .where(eq(instanceCredentials.tokenHash, hashSecret(token)));
  return row;
}
