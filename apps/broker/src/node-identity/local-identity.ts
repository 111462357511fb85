// The local provider's identity: what the config says (the local provisioner passes CIRRUS_INSTANCE_ID and
// CIRRUS_ZONE), no signed proof, and no notices (the local provider simulates reclaims itself).
import type { NodeIdentity, NodeIdentitySource } from "./node-identity.ts";

export class LocalIdentity implements NodeIdentitySource {
  readonly provider = "local";
  readonly #identity: NodeIdentity;

  constructor(identity: Omit<NodeIdentity, "provider" | "lifecycle">) {
    this.#identity = Object.freeze({ ...identity, provider: "local", lifecycle: "unknown" });
  }

  async describe(): Promise<NodeIdentity> {
    return this.#identity;
  }

  async notices(): Promise<[]> {
    return [];
  }

  async proof(): Promise<undefined> {
    return undefined;
  }
}
