import { ALIYUN_CONTROL_PLANE_USER_DATA } from "./control-plane-user-data.ts";
import { brokerRamPolicy, controlPlaneRamPolicy } from "./ram-policies.ts";
import { ROS_PARAMETERS } from "./ros-parameters.ts";

/** Strings holding `${Name}` become Fn::Sub (ROS substitutes parameters and resource attributes like CloudFormation). */
function substituted(value: unknown): unknown {
  if (typeof value === "string") return value.includes("${") ? { "Fn::Sub": value } : value;
  if (Array.isArray(value)) return value.map(substituted);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituted(v)]));
  return value;
}

const ecsTrust = {
  Version: "1",
  Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["ecs.aliyuncs.com"] } }],
};

const tcpFrom = (port: string, source: Record<string, unknown>) => ({
  IpProtocol: "tcp",
  PortRange: { "Fn::Sub": `\${${port}}/\${${port}}` },
  ...source,
});

/** The Alibaba Cloud ROS template (generated/aliyun-control-plane-ros.json): the same shape as the AWS one. */
export function rosStack() {
  return {
    ROSTemplateFormatVersion: "2015-09-01",
    Description:
      "Cirrus BYOC control plane on Alibaba Cloud: its ECS instance, RDS PostgreSQL, the OSS bucket, the control-plane and broker RAM roles, security groups",
    Parameters: ROS_PARAMETERS,
    Resources: {
      Bucket: {
        Type: "ALIYUN::OSS::Bucket",
        // Acknowledged data lives here: deleting the stack keeps it.
        DeletionPolicy: "Retain",
        Properties: {
          BucketName: { Ref: "BucketName" },
          AccessControl: "private",
          ServerSideEncryptionConfiguration: { SSEAlgorithm: "AES256" },
        },
      },
      BrokerRole: {
        Type: "ALIYUN::RAM::Role",
        Properties: {
          RoleName: { Ref: "BrokerRoleName" },
          Description: "Cirrus brokers: their OSS bucket",
          AssumeRolePolicyDocument: ecsTrust,
          Policies: [
            {
              PolicyName: { "Fn::Sub": "${BrokerRoleName}-oss" },
              PolicyDocument: substituted(brokerRamPolicy("${BucketName}")),
            },
          ],
        },
      },
      ControlPlaneRole: {
        Type: "ALIYUN::RAM::Role",
        Properties: {
          RoleName: { Ref: "ControlPlaneRoleName" },
          Description:
            "Cirrus control plane: the aliyun provider (ESS, ECS disks, CloudMonitor), the bucket purge",
          AssumeRolePolicyDocument: ecsTrust,
          Policies: [
            {
              PolicyName: { "Fn::Sub": "${ControlPlaneRoleName}-provider" },
              PolicyDocument: substituted(controlPlaneRamPolicy("${BucketName}", "${BrokerRoleName}")),
            },
          ],
        },
      },
      ControlPlaneSecurityGroup: {
        Type: "ALIYUN::ECS::SecurityGroup",
        Properties: {
          VpcId: { Ref: "VpcId" },
          Description: "Cirrus control plane: API and console",
          SecurityGroupIngress: [tcpFrom("ApiPort", { SourceCidrIp: { Ref: "ApiCidr" } })],
        },
      },
      BrokerSecurityGroup: {
        Type: "ALIYUN::ECS::SecurityGroup",
        Properties: {
          VpcId: { Ref: "VpcId" },
          Description: "Cirrus brokers: Kafka clients (a cluster spec's aliyun.securityGroupId)",
          SecurityGroupIngress: [tcpFrom("KafkaPort", { SourceCidrIp: { Ref: "KafkaClientCidr" } })],
        },
      },
      // Brokers register, heartbeat, commit and fetch their bundle over the internal API.
      ControlPlaneIngressFromBrokers: {
        Type: "ALIYUN::ECS::SecurityGroupIngress",
        Properties: {
          SecurityGroupId: { Ref: "ControlPlaneSecurityGroup" },
          ...tcpFrom("ApiPort", { SourceGroupId: { Ref: "BrokerSecurityGroup" } }),
        },
      },
      Database: {
        Type: "ALIYUN::RDS::DBInstance",
        Properties: {
          Engine: "PostgreSQL",
          EngineVersion: { Ref: "DatabaseEngineVersion" },
          DBInstanceClass: { Ref: "DatabaseInstanceClass" },
          DBInstanceStorage: { Ref: "DatabaseStorageGiB" },
          DBInstanceStorageType: "cloud_essd",
          PayType: "Postpaid",
          ZoneId: { Ref: "ZoneId" },
          VpcId: { Ref: "VpcId" },
          VSwitchId: { Ref: "VSwitchId" },
          DBInstanceNetType: "Intranet",
          SecurityIPList: { Ref: "VpcCidr" },
          MasterUsername: "cirrus",
          MasterUserPassword: { Ref: "DatabasePassword" },
          MasterUserType: "Super",
          DBMappings: [{ DBName: "cirrus", CharacterSetName: "UTF8" }],
          DeletionProtection: true,
        },
      },
      ControlPlaneInstance: {
        Type: "ALIYUN::ECS::Instance",
        DependsOn: ["Database"],
        Properties: {
          ImageId: { Ref: "ControlPlaneImageId" },
          InstanceType: { Ref: "ControlPlaneInstanceType" },
          InstanceChargeType: "PostPaid",
          ZoneId: { Ref: "ZoneId" },
          VpcId: { Ref: "VpcId" },
          VSwitchId: { Ref: "VSwitchId" },
          SecurityGroupId: { Ref: "ControlPlaneSecurityGroup" },
          RamRoleName: { "Fn::GetAtt": ["ControlPlaneRole", "RoleName"] },
          // Hardened metadata only (tokens), as the boot script and the credential chain use it.
          HttpTokens: "required",
          SystemDiskCategory: "cloud_essd",
          SystemDiskSize: 40,
          AllocatePublicIP: false,
          InstanceName: "cirrus-control-plane",
          UserData: { "Fn::Sub": ALIYUN_CONTROL_PLANE_USER_DATA },
        },
      },
    },
    Outputs: {
      ControlPlaneUrl: { Value: { "Fn::Sub": "http://${ControlPlaneInstance.PrivateIp}:${ApiPort}" } },
      ObjectStoreUri: {
        Description: "A cluster spec's objectStore.uri (OSS through its S3-compatible endpoint)",
        Value: {
          "Fn::Sub":
            "s3://${BucketName}/cirrus?endpoint=https://oss-${ALIYUN::Region}-internal.aliyuncs.com&region=${ALIYUN::Region}",
        },
      },
      BrokerRamRoleName: {
        Description: "A cluster spec's aliyun.ramRoleName",
        Value: { Ref: "BrokerRoleName" },
      },
      BrokerSecurityGroupId: {
        Description: "A cluster spec's aliyun.securityGroupId",
        Value: { Ref: "BrokerSecurityGroup" },
      },
    },
  };
}
