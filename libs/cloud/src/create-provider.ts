import { EC2Client } from "@aws-sdk/client-ec2";
import { createAliyunClients } from "./aliyun/aliyun-clients.ts";
import { AliyunProvider } from "./aliyun/aliyun-provider.ts";
import { AwsProvider } from "./aws/aws-provider.ts";
import { invalidArgument } from "./errors.ts";
import { LocalProvider } from "./local/local-provider.ts";
import type { CloudProvider } from "./provider.ts";

export type ProviderConfig =
  | { kind: "local"; dataDir: string }
  | { kind: "aws"; region: string }
  | { kind: "aliyun"; regionId: string; accessKeyId: string; accessKeySecret: string };

/** Builds the provider a control plane is configured with (PROVIDER=local|aws|aliyun). */
export function createProvider(config: ProviderConfig): CloudProvider {
  switch (config.kind) {
    case "local":
      return new LocalProvider({ dataDir: config.dataDir });
    case "aws":
      // Credentials come from the SDK's default chain (env, profile, instance role).
      return new AwsProvider({ region: config.region });
    case "aliyun":
      return new AliyunProvider({ regionId: config.regionId, clients: createAliyunClients(config) });
    default:
      throw invalidArgument(`unknown provider kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

/**
 * Why `config` cannot reach its cloud for lack of credentials, or undefined when it has some. aws resolves
 * the SDK's default chain (environment, shared config files, web identity, container or instance role)
 * the way its clients will, without calling an AWS API, so credentials that resolve may still be refused
 * by AWS; aliyun needs its access key pair; local needs none. Never throws.
 */
export async function missingCredentials(config: ProviderConfig): Promise<string | undefined> {
  switch (config.kind) {
    case "local":
      return undefined;
    case "aliyun":
      return config.accessKeyId && config.accessKeySecret ? undefined : "an Alibaba Cloud AccessKey pair";
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
