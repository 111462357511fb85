import { readFileSync } from "node:fs";
import { type CloudProvider, createProvider, type ProviderConfig } from "@cirrus/cloud";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { ProvisioningError, ProvisioningErrorCode } from "./provisioning-error.ts";

/**
 * The cloud provider of each cluster, chosen by its spec (provider + region). One provider object per
 * (kind, region), created on first use and shared by every cluster there; closing the registry closes
 * them (which leaves cloud resources, and local brokers, running).
 */
export interface ProviderRegistry {
  providerFor(spec: Pick<ClusterSpec, "provider" | "region">): CloudProvider;
  close(): Promise<void>;
}

export interface ProviderRegistryOptions {
  /** local provider: brokers, volumes and its state live under `<dataDir>/cloud-local`. */
  localDataDir: string;
  /** aliyun credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (also from *_FILE). aws uses the SDK chain. */
  env?: NodeJS.ProcessEnv;
  /** Builds a provider (tests inject one); default: @cirrus/cloud's createProvider. */
  create?: (config: ProviderConfig) => CloudProvider;
}

export function createProviderRegistry(options: ProviderRegistryOptions): ProviderRegistry {
  const env = options.env ?? process.env;
  const create = options.create ?? createProvider;
  const providers = new Map<string, CloudProvider>();
  const secret = (name: string): string | undefined => {
    if (env[name]) return env[name];
    const file = env[`${name}_FILE`];
    return file ? readFileSync(file, "utf8").trim() : undefined;
  };

  function configOf(spec: Pick<ClusterSpec, "provider" | "region">): ProviderConfig {
    switch (spec.provider) {
      case "local":
        return { kind: "local", dataDir: options.localDataDir };
      case "aws":
        return { kind: "aws", region: spec.region };
      case "aliyun": {
        const accessKeyId = secret("ALIBABA_CLOUD_ACCESS_KEY_ID");
        const accessKeySecret = secret("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        if (!accessKeyId || !accessKeySecret) {
          throw new ProvisioningError(
            ProvisioningErrorCode.PROVIDER_UNAVAILABLE,
            "aliyun needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
          );
        }
        return { kind: "aliyun", regionId: spec.region, accessKeyId, accessKeySecret };
      }
    }
  }

  return {
    providerFor(spec) {
      // Every local cluster shares the one local provider: its state file is per data folder.
      const key = spec.provider === "local" ? "local" : `${spec.provider}:${spec.region}`;
      let provider = providers.get(key);
      if (!provider) {
        try {
          provider = create(configOf(spec));
        } catch (cause) {
          if (cause instanceof ProvisioningError) throw cause;
          throw new ProvisioningError(
            ProvisioningErrorCode.PROVIDER_UNAVAILABLE,
            `cannot start the ${spec.provider} provider: ${String((cause as Error)?.message ?? cause)}`,
            { cause },
          );
        }
        providers.set(key, provider);
      }
      return provider;
    },
    async close() {
      const all = [...providers.values()];
      providers.clear();
      await Promise.all(all.map((p) => p.close().catch(() => {})));
    },
  };
}
