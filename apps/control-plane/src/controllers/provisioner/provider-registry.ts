import { readFileSync } from "node:fs";
import { type CloudProvider, createProvider, missingCredentials, type ProviderConfig } from "@cirrus/cloud";
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

type ProviderSpec = Pick<ClusterSpec, "provider" | "region">;

/** `name` from the environment, or from the file `${name}_FILE` names (mounted secrets); unreadable: none. */
function secretOf(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name]) return env[name];
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

const ALIYUN_KEYS = ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"] as const;

/**
 * The provider config of a spec, credentials read from `env`: aliyun's access key pair when `env` has both
 * halves (also from *_FILE); without it, `@alicloud/credentials`' default chain (environment, OIDC, files,
 * ECS RAM role), checked by assertProviderCredentials. aws takes its credentials from the SDK's chain.
 */
function providerConfigOf(spec: ProviderSpec, env: NodeJS.ProcessEnv, localDataDir: string): ProviderConfig {
  switch (spec.provider) {
    case "local":
      return { kind: "local", dataDir: localDataDir };
    case "aws":
      return { kind: "aws", region: spec.region };
    case "aliyun": {
      const [accessKeyId, accessKeySecret] = ALIYUN_KEYS.map((name) => secretOf(env, name));
      return accessKeyId && accessKeySecret
        ? { kind: "aliyun", regionId: spec.region, accessKeyId, accessKeySecret }
        : { kind: "aliyun", regionId: spec.region };
    }
  }
}

/**
 * Throws CREDENTIALS_MISSING, naming what is missing, unless a cluster of `spec` could
 * reach its cloud with the credentials this control plane has: aliyun's access key pair in `env` or what
 * `@alicloud/credentials`' default chain resolves (environment, OIDC/RRSA, credentials files, ECS RAM role), aws
 * credentials the SDK's default chain resolves (environment, shared files, web identity, container or
 * instance role; nothing is called in AWS). Local needs none. What POST /v1/clusters checks before it
 * stores anything.
 */
export async function assertProviderCredentials(
  spec: ProviderSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (spec.provider === "local") return;
  const missing = await missingCredentials(providerConfigOf(spec, env, ""));
  if (missing) {
    throw new ProvisioningError(
      ProvisioningErrorCode.CREDENTIALS_MISSING,
      `${spec.provider} needs ${missing} in the control plane's environment`,
    );
  }
}

export interface ProviderRegistryOptions {
  /** local provider: brokers, volumes and its state live under `<dataDir>/cloud-local`. */
  localDataDir: string;
  /**
   * aliyun credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (also from *_FILE); without them the default
   * chain of `@alicloud/credentials` (which reads the process environment). aws uses the SDK chain.
   */
  env?: NodeJS.ProcessEnv;
  /** Builds a provider (tests inject one); default: @cirrus/cloud's createProvider. */
  create?: (config: ProviderConfig) => CloudProvider;
}

export function createProviderRegistry(options: ProviderRegistryOptions): ProviderRegistry {
  const env = options.env ?? process.env;
  const create = options.create ?? createProvider;
  const providers = new Map<string, CloudProvider>();
  return {
    providerFor(spec) {
      // Every local cluster shares the one local provider: its state file is per data folder.
      const key = spec.provider === "local" ? "local" : `${spec.provider}:${spec.region}`;
      let provider = providers.get(key);
      if (!provider) {
        try {
          provider = create(providerConfigOf(spec, env, options.localDataDir));
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
