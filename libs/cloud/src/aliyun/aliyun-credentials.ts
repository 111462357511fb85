// Alibaba Cloud credentials for the ESS/ECS/CMS clients, through `@alicloud/credentials`: an explicit access
// key pair when the operator gave one, otherwise the SDK's default chain (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET
// and ALIBABA_CLOUD_SECURITY_TOKEN in the environment, OIDC/RRSA from ALIBABA_CLOUD_ROLE_ARN +
// ALIBABA_CLOUD_OIDC_PROVIDER_ARN + ALIBABA_CLOUD_OIDC_TOKEN_FILE, the aliyun CLI's and the SDK's credentials
// files, the ECS RAM role from the metadata service, ALIBABA_CLOUD_CREDENTIALS_URI). The clients take the
// `Credential` itself and ask it before every request, so temporary credentials (STS, RAM role, OIDC) are
// refreshed by the SDK instead of frozen at start. A key or token never appears in a message made here.
import Credential, {
  Config,
  type CredentialsProvider,
  DefaultCredentialsProvider,
} from "@alicloud/credentials";

import { CloudError, CloudErrorCode } from "../errors.ts";

/** The package is CommonJS with `exports.default`; from ESM the default import is the module object. */
const CredentialClass = Credential.default;

export type AliyunCredential = InstanceType<typeof Credential.default>;

/** Where aliyun credentials come from: a given access key pair, or the default chain. */
export interface AliyunCredentialSource {
  readonly accessKeyId?: string;
  readonly accessKeySecret?: string;
  /** An STS token with the pair (a temporary pair handed over explicitly). */
  readonly securityToken?: string;
  /** Another provider instead of the default chain (a documented `@alicloud/credentials` seam; tests). */
  readonly provider?: CredentialsProvider;
}

/** Every way the control plane can be given aliyun credentials: what an operator is told when none works. */
export const ALIYUN_CREDENTIAL_OPTIONS =
  "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or *_FILE), with ALIBABA_CLOUD_SECURITY_TOKEN " +
  "for an STS token; OIDC/RRSA (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, " +
  "ALIBABA_CLOUD_OIDC_TOKEN_FILE); a credentials file (~/.alibabacloud/credentials or " +
  "ALIBABA_CLOUD_CREDENTIALS_FILE, ~/.aliyun/config.json); or an ECS RAM role attached to the instance " +
  "(ALIBABA_CLOUD_ECS_METADATA names it)";

/** The `Credential` the clients sign with. Builds nothing that calls Alibaba Cloud. */
export function aliyunCredential(source: AliyunCredentialSource = {}): AliyunCredential {
  if (source.accessKeyId && source.accessKeySecret) {
    return new CredentialClass(
      new Config({
        type: source.securityToken ? "sts" : "access_key",
        accessKeyId: source.accessKeyId,
        accessKeySecret: source.accessKeySecret,
        ...(source.securityToken ? { securityToken: source.securityToken } : {}),
      }),
    );
  }
  return new CredentialClass(
    null,
    namingOptions(source.provider ?? DefaultCredentialsProvider.builder().build()),
  );
}

/**
 * Why `credential` gives no credentials now, naming every option, or undefined when it gives some (nothing is
 * called in Alibaba Cloud; the metadata service is, for an ECS RAM role). Never throws.
 */
export async function aliyunCredentialProblem(credential: AliyunCredential): Promise<string | undefined> {
  try {
    const model = await credential.getCredential();
    if (model.accessKeyId && model.accessKeySecret) return undefined;
    return `Alibaba Cloud credentials (${ALIYUN_CREDENTIAL_OPTIONS}; the chain gave an incomplete pair)`;
  } catch (error) {
    return `Alibaba Cloud credentials (${(error as Error).message})`;
  }
}

/**
 * `provider`, its failure saying every option (what a cluster operation's error and the create check
 * show), the chain's own reason after it.
 */
function namingOptions(provider: CredentialsProvider): CredentialsProvider {
  return {
    getProviderName: () => provider.getProviderName(),
    async getCredentials() {
      try {
        return await provider.getCredentials();
      } catch (error) {
        throw new CloudError(
          CloudErrorCode.CREDENTIALS_MISSING,
          `no Alibaba Cloud credentials: set ${ALIYUN_CREDENTIAL_OPTIONS}; ${reasonOf(error)}`,
          { cause: error },
        );
      }
    },
  };
}

/** A JSON field whose value is a credential (AccessKeySecret, SecurityToken, …), as an echoed answer has it. */
const SECRET_FIELD = /("[A-Za-z_]*(?:secret|token|password)[A-Za-z_]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * The chain's reason, secrets blanked, then cut short. Its messages name variables and files; but a provider
 * echoes the answer it could not use (the credentials URI's: a pair served without a token, secret included),
 * so the values of secret fields are blanked first, and a body echoed by a metadata service is cut.
 */
function reasonOf(error: unknown): string {
  const message = String((error as Error)?.message ?? error).replace(SECRET_FIELD, '$1"<redacted>"');
  return message.length > 400 ? `${message.slice(0, 400)}…` : message;
}
