import { INSTANCE_RESOURCES } from "./control-plane-instance.ts";
import { NETWORK_RESOURCES } from "./network.ts";
import { PARAMETERS } from "./parameters.ts";
import { ROLE_RESOURCES } from "./roles.ts";
import { STORAGE_RESOURCES } from "./storage.ts";

/** The whole AWS CloudFormation template (infra/templates/generated/aws-control-plane.json is its output). */
export function controlPlaneStack() {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "Cirrus BYOC control plane: its instance, PostgreSQL (RDS), the cluster bucket, the control-plane and broker roles, security groups",
    Parameters: PARAMETERS,
    Resources: { ...NETWORK_RESOURCES, ...STORAGE_RESOURCES, ...ROLE_RESOURCES, ...INSTANCE_RESOURCES },
    Outputs: {
      ControlPlaneUrl: {
        Description: "The API and console (from inside the VPC or ApiCidr)",
        Value: { "Fn::Sub": "http://${ControlPlaneInstance.PrivateIp}:${ApiPort}" },
      },
      ObjectStoreUri: {
        Description: "A cluster spec's objectStore.uri",
        Value: { "Fn::Sub": "s3://${Bucket}/cirrus?region=${AWS::Region}" },
      },
      BrokerInstanceProfileArn: {
        Description: "A cluster spec's aws.instanceProfileArn",
        Value: { "Fn::GetAtt": ["BrokerInstanceProfile", "Arn"] },
      },
      BrokerSecurityGroupId: {
        Description: "A cluster spec's aws.securityGroupIds",
        Value: { "Fn::GetAtt": ["BrokerSecurityGroup", "GroupId"] },
      },
      ControlPlaneRoleArn: { Value: { "Fn::GetAtt": ["ControlPlaneRole", "Arn"] } },
    },
  };
}
