import { certificatesFile, controlPlaneBootScript } from "../control-plane-boot.ts";

const certificates = certificatesFile(
  "InstanceIdentityCertificates",
  "/etc/cirrus/aliyun-identity-certificates.json",
  "ALIYUN_INSTANCE_IDENTITY_CERTIFICATES",
);

/**
 * The ROS control-plane instance's boot script: the release from ReleaseUrl, checked against ReleaseSha256; the
 * aliyun provider's credentials from the instance's RAM role (ALIBABA_CLOUD_ECS_METADATA, hardened metadata). The
 * database password and the secrets key arrive as NoEcho parameters substituted here, so the user data holds them
 * (readable by whoever may call ecs:DescribeUserData, and on the instance): see infra/README.md.
 */
export const ALIYUN_CONTROL_PLANE_USER_DATA = controlPlaneBootScript({
  prepare: [
    'curl -fsSL -o /tmp/cirrus-release.tgz "${ReleaseUrl}"',
    'echo "${ReleaseSha256}  /tmp/cirrus-release.tgz" | sha256sum -c -',
    'token=$(curl -fsS -X PUT -H "X-aliyun-ecs-metadata-token-ttl-seconds: 60" http://100.100.100.200/latest/api/token)',
    'private_ip=$(curl -fsS -H "X-aliyun-ecs-metadata-token: $token" http://100.100.100.200/latest/meta-data/private-ipv4)',
    certificates.prepare,
  ],
  env: [
    "DATABASE_URL=postgres://cirrus:${DatabasePassword}@${Database.InnerConnectionString}:${Database.InnerPort}/cirrus",
    "CIRRUS_SECRETS_KEY=${SecretsKey}",
    "ALIBABA_CLOUD_ECS_METADATA=${ControlPlaneRoleName}",
    certificates.env,
  ],
});
