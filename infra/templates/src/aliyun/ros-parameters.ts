/** What the customer chooses when applying the ROS template. */
export const ROS_PARAMETERS = {
  VpcId: { Type: "String", AssociationProperty: "ALIYUN::ECS::VPC::VPCId" },
  ZoneId: { Type: "String", AssociationProperty: "ALIYUN::ECS::Instance:ZoneId" },
  VSwitchId: {
    Type: "String",
    AssociationProperty: "ALIYUN::VPC::VSwitch::VSwitchId",
    Description: "The vSwitch (in ZoneId) of the control plane and its database.",
  },
  VpcCidr: { Type: "String", Description: "The VPC's CIDR: who may reach the database (its whitelist)." },
  ApiCidr: { Type: "String", Description: "Who may reach the control plane's API and console (CIDR)." },
  KafkaClientCidr: { Type: "String", Description: "Who may reach the brokers' Kafka port (CIDR)." },
  ApiPort: { Type: "Number", Default: 8080 },
  KafkaPort: { Type: "Number", Default: 9092 },
  BucketName: { Type: "String", Description: "The OSS bucket to create for the brokers' objects." },
  ControlPlaneRoleName: { Type: "String", Default: "cirrus-control-plane" },
  BrokerRoleName: {
    Type: "String",
    Default: "cirrus-broker",
    Description: "A cluster spec's aliyun.ramRoleName.",
  },
  ControlPlaneImageId: {
    Type: "String",
    AssociationProperty: "ALIYUN::ECS::Image::ImageId",
    Description: "An Alibaba Cloud Linux 3 image; its architecture must match the release's node_modules.",
  },
  ControlPlaneInstanceType: { Type: "String", Default: "ecs.g7.large" },
  ReleaseUrl: {
    Type: "String",
    Description: "An https URL (e.g. a signed OSS URL) of the release tar.gz (infra/README.md).",
  },
  ReleaseSha256: { Type: "String", AllowedPattern: "^[0-9a-f]{64}$", Description: "Its SHA-256." },
  InstanceIdentityCertificates: {
    Type: "String",
    Default: "",
    Description:
      "JSON {region: PEM} of Alibaba Cloud's instance identity certificate; brokers on aliyun authenticate with it.",
  },
  DatabaseInstanceClass: {
    Type: "String",
    Description: "An RDS PostgreSQL instance class available in ZoneId.",
  },
  DatabaseEngineVersion: { Type: "String", Default: "16.0" },
  DatabaseStorageGiB: { Type: "Number", Default: 20 },
  DatabasePassword: {
    Type: "String",
    NoEcho: true,
    AllowedPattern: "^[A-Za-z0-9]{16,32}$",
    Description: "Letters and digits (it goes into DATABASE_URL unescaped).",
  },
  SecretsKey: {
    Type: "String",
    NoEcho: true,
    AllowedPattern: "^[A-Za-z0-9+/]{43}=$",
    Description: "CIRRUS_SECRETS_KEY: `openssl rand -base64 32`.",
  },
} as const;
