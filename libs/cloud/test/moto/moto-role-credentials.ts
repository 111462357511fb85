// What EC2 gives an instance with an instance profile, made on moto: temporary credentials of the role from STS
// AssumeRole with the instance id as RoleSessionName, so that a GetCallerIdentity signed with them names
// `arn:aws:sts::<account>:assumed-role/<role>/<instance id>`, as on EC2. moto checks no signature: any access
// key is let in.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

export interface InstanceRoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO-8601. */
  readonly expiration: string;
}

export async function instanceRoleCredentials(
  endpoint: string,
  roleArn: string,
  instanceId: string,
  region = "us-east-1",
): Promise<InstanceRoleCredentials> {
  const sts = new STSClient({
    region,
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: instanceId }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new Error(`moto AssumeRole ${roleArn} answered no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration.toISOString(),
    };
  } finally {
    sts.destroy();
  }
}
