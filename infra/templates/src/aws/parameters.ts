/** What the customer chooses when applying the AWS template. */
export const PARAMETERS = {
  VpcId: {
    Type: "AWS::EC2::VPC::Id",
    Description: "The VPC the control plane, its database and the brokers run in.",
  },
  ControlPlaneSubnetId: {
    Type: "AWS::EC2::Subnet::Id",
    Description:
      "The subnet of the control-plane instance (private; it needs a route to S3, Secrets Manager and the AWS APIs).",
  },
  DatabaseSubnetIds: {
    Type: "List<AWS::EC2::Subnet::Id>",
    Description:
      "At least two subnets in different zones for the PostgreSQL database (RDS requires two zones).",
  },
  ApiCidr: {
    Type: "String",
    Description: "Who may reach the control plane's API and console (CIDR).",
    AllowedPattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$",
  },
  KafkaClientCidr: {
    Type: "String",
    Description: "Who may reach the brokers' Kafka port (CIDR).",
    AllowedPattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$",
  },
  ApiPort: { Type: "Number", Default: 8080, MinValue: 1, MaxValue: 65535 },
  KafkaPort: { Type: "Number", Default: 9092, MinValue: 1, MaxValue: 65535 },
  ControlPlaneImageId: {
    Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
    Default: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    Description:
      "Amazon Linux 2023 for the control plane; its architecture must match the release's node_modules.",
  },
  ControlPlaneInstanceType: { Type: "String", Default: "m7i.large" },
  ReleaseBucket: {
    Type: "String",
    MinLength: 3,
    Description: "The bucket holding the control-plane release tarball.",
  },
  ReleaseKey: {
    Type: "String",
    MinLength: 1,
    Description: "Its key: a tar.gz of the repository after `npm ci` (see infra/README.md).",
  },
  InstanceIdentityCertificates: {
    Type: "String",
    Default: "",
    Description:
      "JSON {region: PEM} of AWS's public certificates for instance identity signatures (RSA); brokers on aws authenticate with them.",
  },
  DatabaseInstanceClass: { Type: "String", Default: "db.t4g.medium" },
  DatabaseStorageGiB: { Type: "Number", Default: 20, MinValue: 20, MaxValue: 65536 },
  DatabaseEngineVersion: { Type: "String", Default: "17", Description: "PostgreSQL major version." },
  DatabaseMultiAz: { Type: "String", Default: "false", AllowedValues: ["true", "false"] },
} as const;
