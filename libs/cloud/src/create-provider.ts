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
