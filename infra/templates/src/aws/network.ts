/** TCP on one port (a template parameter) from a CIDR or another security group. */
const tcpFrom = (port: string, source: Record<string, unknown>) => ({
  IpProtocol: "tcp",
  FromPort: { Ref: port },
  ToPort: { Ref: port },
  ...source,
});

const groupId = (name: string) => ({ "Fn::GetAtt": [name, "GroupId"] });

/** Security groups: API from ApiCidr and from brokers; Kafka from KafkaClientCidr; PostgreSQL from the control plane. */
export const NETWORK_RESOURCES = {
  ControlPlaneSecurityGroup: {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupDescription: "Cirrus control plane: API and console",
      VpcId: { Ref: "VpcId" },
      SecurityGroupIngress: [tcpFrom("ApiPort", { CidrIp: { Ref: "ApiCidr" } })],
    },
  },
  // Brokers register, heartbeat, commit and fetch their bundle over the internal API.
  ControlPlaneIngressFromBrokers: {
    Type: "AWS::EC2::SecurityGroupIngress",
    Properties: {
      GroupId: groupId("ControlPlaneSecurityGroup"),
      ...tcpFrom("ApiPort", { SourceSecurityGroupId: groupId("BrokerSecurityGroup") }),
    },
  },
  BrokerSecurityGroup: {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupDescription: "Cirrus brokers: Kafka clients (named in spec.aws.securityGroupIds of a cluster)",
      VpcId: { Ref: "VpcId" },
      SecurityGroupIngress: [tcpFrom("KafkaPort", { CidrIp: { Ref: "KafkaClientCidr" } })],
    },
  },
  DatabaseSecurityGroup: {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupDescription: "Cirrus control-plane database",
      VpcId: { Ref: "VpcId" },
      SecurityGroupIngress: [
        {
          IpProtocol: "tcp",
          FromPort: 5432,
          ToPort: 5432,
          SourceSecurityGroupId: groupId("ControlPlaneSecurityGroup"),
        },
      ],
    },
  },
} as const;
