import { EC2Client } from "@aws-sdk/client-ec2";
import { createAliyunClients } from "./aliyun/aliyun-clients.ts";
import { aliyunCredential, aliyunCredentialProblem } from "./aliyun/aliyun-credentials.ts";
import { AliyunProvider } from "./aliyun/aliyun-provider.ts";
import { AwsProvider } from "./aws/aws-provider.ts";
import { invalidArgument } from "./errors.ts";
import { LocalProvider } from "./local/local-provider.ts";
import type { CloudProvider } from "./provider.ts";

export type ProviderConfig =
  | { kind: "local"; dataDir: string }
  | { kind: "aws"; region: string }
  | {
      kind: "aliyun";
      regionId: string;
      /** An explicit access key pair; without one, `@alicloud/credentials`' default chain. */
      accessKeyId?: string;
      accessKeySecret?: string;
    };

/** Builds the provider a control plane is configured with (PROVIDER=local|aws|aliyun). */
export function createProvider(config: ProviderConfig): CloudProvider {
  switch (config.kind) {
    case "local":
      return new LocalProvider({ dataDir: config.dataDir });
    case "aws":
      // Credentials come from the SDK's default chain (env, profile, instance role).
      return new AwsProvider({ region: config.region });
    case "aliyun":
      return new AliyunProvider({
        regionId: config.regionId,
        clients: createAliyunClients({ regionId: config.regionId, credential: aliyunCredential(config) }),
      });
    default:
      throw invalidArgument(`unknown provider kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

/**
 * Why `config` cannot reach its cloud for lack of credentials, or undefined when it has some. aws resolves
 * the SDK's default chain (environment, shared config files, web identity, container or instance role)
 * the way its clients will, without calling an AWS API, so credentials that resolve may still be refused
 * by AWS; aliyun resolves its pair or `@alicloud/credentials`' default chain the same way (environment,
 * OIDC, credentials files, ECS RAM role); local needs none. Never throws.
 */
export async function missingCredentials(config: ProviderConfig): Promise<string | undefined> {
  switch (config.kind) {
    case "local":
      return undefined;
    case "aliyun":
      return aliyunCredentialProblem(aliyunCredential(config));
    case "aws": {
      const client = new EC2Client({ region: config.region });
      try {
        await client.config.credentials();
        return undefined;
      } catch (error) {
        return `AWS credentials (the SDK's default chain found none: ${(error as Error)?.message ?? error})`;
      } finally {
        client.destroy();
      }
    }
    default:
      return `credentials for ${String((config as { kind: unknown }).kind)}`;
  }
}
