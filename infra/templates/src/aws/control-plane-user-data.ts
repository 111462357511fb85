import { certificatesFile, controlPlaneBootScript } from "../control-plane-boot.ts";

const certificates = certificatesFile(
  "InstanceIdentityCertificates",
  "/etc/cirrus/aws-identity-certificates.json",
  "AWS_INSTANCE_IDENTITY_CERTIFICATES",
);

/**
 * The AWS control-plane instance's boot script: the release from S3, the database password and the secrets key
 * from Secrets Manager (never in the user data), TLS to RDS checked against the region's RDS certificates. Every
 * AWS CLI call here is a permission in BOOT_STATEMENTS (test/aws/control-plane-policy.test.ts checks both ways).
 */
export const CONTROL_PLANE_USER_DATA = controlPlaneBootScript({
  prepare: [
    "dnf install -y -q jq tar gzip",
    'aws s3 cp "s3://${ReleaseBucket}/${ReleaseKey}" /tmp/cirrus-release.tgz --region ${AWS::Region}',
    'db_password=$(aws secretsmanager get-secret-value --region ${AWS::Region} --secret-id "${DatabaseSecret}" --query SecretString --output text | jq -r .password)',
    'secrets_key=$(aws secretsmanager get-secret-value --region ${AWS::Region} --secret-id "${SecretsKeySecret}" --query SecretString --output text)',
    // RDS requires TLS (rds.force_ssl) on PostgreSQL 15 and later.
    'curl -fsSL -o /etc/cirrus/rds-ca.pem "https://truststore.pki.rds.amazonaws.com/${AWS::Region}/${AWS::Region}-bundle.pem"',
    'imds=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token)',
    'private_ip=$(curl -fsS -H "X-aws-ec2-metadata-token: $imds" http://169.254.169.254/latest/meta-data/local-ipv4)',
    certificates.prepare,
  ],
  env: [
    "DATABASE_URL=postgres://cirrus:$db_password@${Database.Endpoint.Address}:${Database.Endpoint.Port}/cirrus?sslmode=verify-full&sslrootcert=/etc/cirrus/rds-ca.pem",
    "CIRRUS_SECRETS_KEY=$secrets_key",
    "AWS_REGION=${AWS::Region}",
    certificates.env,
  ],
});
