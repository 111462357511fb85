/**
 * The control-plane instance's boot script (bash, through Fn::Sub: `${Name}` are stack references, `${!x}`
 * stays a shell `${x}`). It unpacks the release (the repository with node_modules installed by `npm ci`, whose
 * `node` package brings Node 24: see infra/README.md), reads the database password and the secrets key from
 * Secrets Manager, and runs apps/control-plane/src/main.ts under systemd. Every AWS CLI call here is a
 * permission in BOOT_STATEMENTS (test/aws/control-plane-policy.test.ts checks both ways).
 */
export const CONTROL_PLANE_USER_DATA = `#!/bin/bash
set -euo pipefail
dnf install -y -q jq tar gzip
install -d -m 0755 /opt/cirrus /etc/cirrus
id cirrus >/dev/null 2>&1 || useradd --system --home-dir /var/lib/cirrus --create-home cirrus
aws s3 cp "s3://\${ReleaseBucket}/\${ReleaseKey}" /tmp/cirrus-release.tgz --region \${AWS::Region}
rm -rf /opt/cirrus/release && mkdir /opt/cirrus/release
tar -xzf /tmp/cirrus-release.tgz -C /opt/cirrus/release
db_password=$(aws secretsmanager get-secret-value --region \${AWS::Region} --secret-id "\${DatabaseSecret}" --query SecretString --output text | jq -r .password)
secrets_key=$(aws secretsmanager get-secret-value --region \${AWS::Region} --secret-id "\${SecretsKeySecret}" --query SecretString --output text)
# RDS requires TLS; verify the server against the region's RDS certificate bundle.
curl -fsSL -o /etc/cirrus/rds-ca.pem "https://truststore.pki.rds.amazonaws.com/\${AWS::Region}/\${AWS::Region}-bundle.pem"
imds=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token)
private_ip=$(curl -fsS -H "X-aws-ec2-metadata-token: $imds" http://169.254.169.254/latest/meta-data/local-ipv4)
umask 077
printf '%s' '\${InstanceIdentityCertificates}' > /etc/cirrus/aws-identity-certificates.json
{
  echo "DATABASE_URL=postgres://cirrus:$db_password@\${Database.Endpoint.Address}:\${Database.Endpoint.Port}/cirrus?sslmode=verify-full&sslrootcert=/etc/cirrus/rds-ca.pem"
  echo "CIRRUS_SECRETS_KEY=$secrets_key"
  echo "HOST=0.0.0.0"
  echo "PORT=\${ApiPort}"
  echo "ADVERTISED_URL=http://$private_ip:\${ApiPort}"
  echo "CIRRUS_DATA_DIR=/var/lib/cirrus"
  echo "AWS_REGION=\${AWS::Region}"
  if [ -s /etc/cirrus/aws-identity-certificates.json ]; then
    echo "AWS_INSTANCE_IDENTITY_CERTIFICATES_FILE=/etc/cirrus/aws-identity-certificates.json"
  fi
} > /etc/cirrus/control-plane.env
chown -R cirrus /etc/cirrus
cat > /etc/systemd/system/cirrus-control-plane.service <<'UNIT'
[Unit]
Description=Cirrus control plane
After=network-online.target
Wants=network-online.target

[Service]
User=cirrus
WorkingDirectory=/opt/cirrus/release
EnvironmentFile=/etc/cirrus/control-plane.env
ExecStart=/opt/cirrus/release/node_modules/.bin/node apps/control-plane/src/main.ts
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now cirrus-control-plane
`;
