export type { AliyunClients, AliyunEndpoints, CmsApi, EcsApi } from "./aliyun/aliyun-clients.ts";
export { createAliyunClients } from "./aliyun/aliyun-clients.ts";
export {
  ALIYUN_CREDENTIAL_OPTIONS,
  type AliyunCredential,
  type AliyunCredentialSource,
  aliyunCredential,
  aliyunCredentialProblem,
} from "./aliyun/aliyun-credentials.ts";
export { AliyunProvider, type AliyunProviderOptions } from "./aliyun/aliyun-provider.ts";
export type { OpenApiCaller } from "./aliyun/ess-rpc.ts";
export {
  aliyunS3Credentials,
  isOssEndpoint,
  objectStoreCredentials,
  type S3CredentialIdentity,
} from "./aliyun/oss-credentials.ts";
export type { EventBridgeEvent } from "./aws/aws-notices.ts";
export { AwsProvider, type AwsProviderOptions } from "./aws/aws-provider.ts";
export { createProvider, missingCredentials, type ProviderConfig } from "./create-provider.ts";
export { CloudError, CloudErrorCode, isCloudError } from "./errors.ts";
export { onDemandTarget, validateFleetSpec } from "./fleet-spec.ts";
export { NETWORK_IN_COUNTER, NETWORK_OUT_COUNTER, type NetworkCounters } from "./local/counter-scrape.ts";
export { LocalProvider, type LocalProviderOptions } from "./local/local-provider.ts";
export { lockFolder } from "./local/root-lock.ts";
export { readLocalBootstrapAddress } from "./local/slot-ports.ts";
export type {
  CloudProvider,
  Fleet,
  FleetSpec,
  FleetUpdate,
  Instance,
  InstanceState,
  InterruptionKind,
  InterruptionNotice,
  LaunchBundle,
  LaunchSpec,
  Lifecycle,
  LifecycleActionRef,
  LifecycleHookSpec,
  NetworkRate,
  NoticeSubscription,
  Volume,
  VolumeSpec,
} from "./provider.ts";
export { buildUserData, shellQuote } from "./user-data.ts";
