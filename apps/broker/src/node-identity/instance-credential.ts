// A cloud broker without a configured credential gets one from the control plane by proving who it is: the
// identity document its cloud signed (no secret in user data). Each attempt first asks the control plane for a
// challenge and signs it in: on aliyun the metadata service signs it as the audience, on aws the instance role
// signs a sts:GetCallerIdentity carrying it (a challenge is good for one proof, so a retry signs a new one). Transient failures (control plane starting or away) are retried until
// `deadlineMs`; a refused proof stops the start with the control plane's reason. A 429 (the cluster holds as
// many open challenges as it may) is retried no sooner than its Retry-After; one that asks to wait past the
// deadline stops the start at once, saying when to try again.
import { type BrokerApiError, ControlPlaneClient } from "@cirrus/broker-api";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { IdentityProof, NodeIdentitySource } from "./node-identity.ts";

export interface CredentialRequestOptions {
  readonly controlPlaneUrl: string;
  readonly clusterId: string;
  /** The instance id the node identity gave: the credential must be bound to it. */
  readonly instanceId: string;
  readonly source: NodeIdentitySource;
  readonly log: (message: string, error?: unknown) => void;
  readonly deadlineMs?: number;
}

export async function credentialFromIdentity(options: CredentialRequestOptions): Promise<string> {
  if (options.source.provider === "local") {
    throw new BrokerError(
      BrokerErrorCode.CONFIG_INVALID,
      "config CIRRUS_BROKER_TOKEN (brokerToken): required where the node has no signed identity (local)",
    );
  }
  // The requests carry no credential: the signed identity is what authenticates them.
  const client = new ControlPlaneClient({ baseUrl: options.controlPlaneUrl, token: "" });
  const giveUpAt = Date.now() + (options.deadlineMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      const proof = await signedProof(options, client);
      const answer = await client.instanceCredential({ clusterId: options.clusterId, identity: proof });
      if (answer.instanceId !== options.instanceId) {
        throw new BrokerError(
          BrokerErrorCode.UNAUTHENTICATED,
          `the control plane bound the credential to ${answer.instanceId}, this is ${options.instanceId}`,
        );
      }
      options.log(`credential issued for instance ${answer.instanceId} on its ${proof.provider} identity`);
      return answer.brokerToken;
    } catch (error) {
      if (error instanceof BrokerError) throw error;
      const { retriable, retryAfterMs } = error as Partial<BrokerApiError>;
      const waitMs = Math.max(Math.min(2_000, 100 * 2 ** attempt), retryAfterMs ?? 0);
      const tooLate = Date.now() + (retryAfterMs ?? 0) > giveUpAt;
      if (retriable !== true || Date.now() > giveUpAt || tooLate) {
        const wait = tooLate
          ? ` (the control plane asks to wait ${Math.ceil(waitMs / 1000)} s, past the deadline)`
          : "";
        throw new BrokerError(
          retriable ? BrokerErrorCode.CONTROL_PLANE_UNAVAILABLE : BrokerErrorCode.UNAUTHENTICATED,
          `no broker credential for instance ${options.instanceId}: ${(error as Error).message}${wait}`,
          { cause: error },
        );
      }
      options.log(`credential request ${attempt + 1} failed, retrying in ${waitMs} ms`, error);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** The node's signed identity, with a fresh challenge of the control plane signed into it. */
async function signedProof(
  options: CredentialRequestOptions,
  client: ControlPlaneClient,
): Promise<IdentityProof> {
  const { audience, stsUrl } = await client.instanceChallenge({ clusterId: options.clusterId });
  const proof = await options.source.proof({ audience, ...(stsUrl ? { stsUrl } : {}) });
  if (!proof) {
    throw new BrokerError(
      BrokerErrorCode.CONFIG_INVALID,
      "config CIRRUS_BROKER_TOKEN (brokerToken): required where the node has no signed identity",
    );
  }
  return proof;
}
