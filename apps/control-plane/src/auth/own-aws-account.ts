// The AWS account broker instances must belong to: the configured one (AWS_BROKER_ACCOUNT_ID), else the control
// plane's own, which it asks STS once (GetCallerIdentity with its default credential chain) and keeps. A failed
// lookup is not kept: the next proof asks again.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

/** The account id (12 digits); rejects when it cannot be learnt now. */
export type AwsAccountSource = (region: string) => Promise<string>;

export function awsAccountSource(options: {
  readonly configured?: string | undefined;
  /** STS endpoint for the control plane's own lookup (tests: moto); default the region's. */
  readonly stsEndpoint?: string | undefined;
}): AwsAccountSource {
  const { configured, stsEndpoint } = options;
  if (configured) return async () => configured;
  let known: Promise<string> | undefined;
  return (region) => {
    known ??= (async () => {
      const sts = new STSClient({ region, ...(stsEndpoint ? { endpoint: stsEndpoint } : {}) });
      try {
        const { Account } = await sts.send(new GetCallerIdentityCommand({}));
        if (!Account) throw new Error("STS GetCallerIdentity answered no Account");
        return Account;
      } finally {
        sts.destroy();
      }
    })();
    known.catch(() => {
      known = undefined;
    });
    return known;
  };
}
