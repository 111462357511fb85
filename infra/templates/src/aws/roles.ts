import { BROKER_STATEMENTS } from "./broker-policy.ts";
import { BOOT_STATEMENTS, IMPLIED_STATEMENTS, PROVIDER_STATEMENTS } from "./control-plane-policy.ts";
import type { IamStatement } from "./iam-policy.ts";

const ec2Trust = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

const policy = (PolicyName: string, Statement: readonly IamStatement[]) => ({
  PolicyName,
  PolicyDocument: { Version: "2012-10-17", Statement },
});

/** The control plane's role and profile, and the brokers' (the profile a cluster's spec.aws.instanceProfileArn names). */
export const ROLE_RESOURCES = {
  ControlPlaneRole: {
    Type: "AWS::IAM::Role",
    Properties: {
      Description:
        "Cirrus control plane: the aws provider's fleets, volumes and metrics; the cluster bucket's purge",
      AssumeRolePolicyDocument: ec2Trust,
      Policies: [
        policy("cirrus-provider", PROVIDER_STATEMENTS),
        policy("cirrus-provider-implied", IMPLIED_STATEMENTS),
        policy("cirrus-boot", BOOT_STATEMENTS),
      ],
    },
  },
  ControlPlaneInstanceProfile: {
    Type: "AWS::IAM::InstanceProfile",
    Properties: { Roles: [{ Ref: "ControlPlaneRole" }] },
  },
  BrokerRole: {
    Type: "AWS::IAM::Role",
    Properties: {
      Description: "Cirrus brokers: their cluster bucket",
      AssumeRolePolicyDocument: ec2Trust,
      Policies: [policy("cirrus-broker", BROKER_STATEMENTS)],
    },
  },
  BrokerInstanceProfile: {
    Type: "AWS::IAM::InstanceProfile",
    Properties: { Roles: [{ Ref: "BrokerRole" }] },
  },
} as const;
