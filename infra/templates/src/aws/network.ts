/** Security groups: API from ApiCidr and from brokers; Kafka from KafkaClientCidr; PostgreSQL from the control plane. */
export const NETWORK_RESOURCES = {
  ControlPlaneSecurityGroup: {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupDescription: "Cirrus control plane: API and console",
      VpcId: { Ref: "VpcId" },
      SecurityGroupIngress: [
        {
          IpProtocol: "tcp",
          FromPort: { Ref: "ApiPort" },
          ToPort: { Ref: "ApiPort" },
          CidrIp: { Ref: "ApiCidr" },
        },
      ],
    },
  },
  // Brokers register, heartbeat, commit and fetch their bundle over the internal API.
  ControlPlaneIngressFromBrokers: {
    Type: "AWS::EC2::SecurityGroupIngress",
    Properties: {
      GroupId: { "Fn::GetAtt": ["ControlPlaneSecurityGroup", "GroupId"] },
      IpProtocol: "tcp",
      FromPort: { Ref: "ApiPort" },
      ToPort: { Ref: "ApiPort" },
      SourceSecurityGroupId: { "Fn::GetAtt": ["BrokerSecurityGroup", "GroupId"] },
    },
  },
  BrokerSecurityGroup: {
    Type: "AWS::EC2::SecurityGroup",
    Properties: {
      GroupDescription: "Cirrus brokers: Kafka clients (named in spec.aws.securityGroupIds of a cluster)",
      VpcId: { Ref: "VpcId" },
      SecurityGroupIngress: [
        {
          IpProtocol: "tcp",
          FromPort: { Ref: "KafkaPort" },
          ToPort: { Ref: "KafkaPort" },
          CidrIp: { Ref: "KafkaClientCidr" },
        },
      ],
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
          SourceSecurityGroupId: { "Fn::GetAtt": ["ControlPlaneSecurityGroup", "GroupId"] },
        },
      ],
    },
  },
} as const;
