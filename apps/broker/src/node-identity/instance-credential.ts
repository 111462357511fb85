// A cloud broker without a configured credential gets one from the control plane by proving who it is: the
// identity document its cloud signed (no secret in user data). Transient failures (control plane starting or
// away) are retried until `deadlineMs`; a refused proof stops the start with the control plane's reason.
import { type BrokerApiError, ControlPlaneClient } from "@cirrus/broker-api";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { NodeIdentitySource } from "./node-identity.ts";

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
  const proof = await options.source.proof();
  if (!proof) {
    throw new BrokerError(
      BrokerErrorCode.CONFIG_INVALID,
      "config CIRRUS_BROKER_TOKEN (brokerToken): required where the node has no signed identity (local)",
    );
  }
  // The request carries no credential: the signed identity is what authenticates it.
  const client = new ControlPlaneClient({ baseUrl: options.controlPlaneUrl, token: "" });
  const giveUpAt = Date.now() + (options.deadlineMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
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
      const retriable = (error as Partial<BrokerApiError>).retriable === true;
      if (!retriable || Date.now() > giveUpAt) {
        throw new BrokerError(
          retriable ? BrokerErrorCode.CONTROL_PLANE_UNAVAILABLE : BrokerErrorCode.UNAUTHENTICATED,
          `no broker credential for instance ${options.instanceId}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      options.log(`credential request ${attempt + 1} failed, retrying`, error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}
