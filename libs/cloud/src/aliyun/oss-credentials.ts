// OSS through its S3-compatible API with Alibaba Cloud credentials. The S3 SDK's default chain reads AWS
// variables, files and EC2's instance profile, never an ECS RAM role, so brokers on aliyun (whose launch carries
// no secret) and the control plane would get nothing from the role their cluster names. This gives the S3 client
// the aliyun chain (aliyun-credentials.ts: RAM role, STS, OIDC/RRSA, environment) as an AWS credential provider.
// OSS accepts an STS triple signed with SigV4: AccessKeyId, AccessKeySecret, SecurityToken as x-amz-security-token.
import { CloudError, CloudErrorCode } from "../errors.ts";
import { ALIYUN_CREDENTIAL_OPTIONS, type AliyunCredential, aliyunCredential } from "./aliyun-credentials.ts";

/** The AWS SDK's AwsCredentialIdentity, as @cirrus/object-store's S3CredentialProvider resolves it. */
export interface S3CredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * An S3 credential provider backed by `credential`. `@alicloud/credentials` keeps the role's credentials and
 * fetches new ones 15 minutes before they expire, but does not say when that is; so each answer is marked
 * expired now, and the S3 SDK (which would otherwise keep an answer without expiration forever) asks again
 * before every request, getting the SDK's cached triple until it rotates. A missing credential fails with
 * CLOUD_CREDENTIALS_MISSING, naming every option and no value.
 */
export function aliyunS3Credentials(
  credential: AliyunCredential = aliyunCredential(),
): () => Promise<S3CredentialIdentity> {
  return async () => {
    const model = await credential.getCredential();
    // Signing with half a pair would only earn a 403 from OSS that names nothing to fix.
    if (!model.accessKeyId || !model.accessKeySecret) {
      throw new CloudError(
        CloudErrorCode.CREDENTIALS_MISSING,
        `no Alibaba Cloud credentials: set ${ALIYUN_CREDENTIAL_OPTIONS}; the chain gave an incomplete pair`,
      );
    }
    return {
      accessKeyId: model.accessKeyId,
      secretAccessKey: model.accessKeySecret,
      ...(model.securityToken ? { sessionToken: model.securityToken } : {}),
      expiration: new Date(),
    };
  };
}

/** OSS's own endpoints (oss-<region>[-internal].aliyuncs.com, and a bucket's virtual host under them). */
export function isOssEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    return new URL(endpoint).hostname.endsWith(".aliyuncs.com");
  } catch {
    return false;
  }
}

/**
 * openObjectStore's s3CredentialsFor: the aliyun chain for an OSS endpoint, unless the environment gives the
 * S3 SDK a static pair (AWS_ACCESS_KEY_ID, as OSS's S3 endpoint has always been reachable with); otherwise
 * undefined, leaving AWS S3 and S3-compatible stores to the SDK's chain (on EC2, the instance profile).
 */
export function objectStoreCredentials(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv,
): (() => Promise<S3CredentialIdentity>) | undefined {
  if (!isOssEndpoint(endpoint) || env.AWS_ACCESS_KEY_ID) return undefined;
  return aliyunS3Credentials();
}
