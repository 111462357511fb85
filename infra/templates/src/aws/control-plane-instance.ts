import { CONTROL_PLANE_USER_DATA } from "./control-plane-user-data.ts";

/** One instance running the control plane (IMDSv2 only, encrypted root volume), through a launch template. */
export const INSTANCE_RESOURCES = {
  ControlPlaneLaunchTemplate: {
    Type: "AWS::EC2::LaunchTemplate",
    Properties: {
      LaunchTemplateData: {
        ImageId: { Ref: "ControlPlaneImageId" },
        InstanceType: { Ref: "ControlPlaneInstanceType" },
        IamInstanceProfile: { Arn: { "Fn::GetAtt": ["ControlPlaneInstanceProfile", "Arn"] } },
        MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
        BlockDeviceMappings: [
          { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 30, VolumeType: "gp3", Encrypted: true } },
        ],
        UserData: { "Fn::Base64": { "Fn::Sub": CONTROL_PLANE_USER_DATA } },
      },
    },
  },
  ControlPlaneInstance: {
    Type: "AWS::EC2::Instance",
    // The boot script reads the database's address and connects at once.
    DependsOn: ["Database"],
    Properties: {
      LaunchTemplate: {
        LaunchTemplateId: { Ref: "ControlPlaneLaunchTemplate" },
        Version: { "Fn::GetAtt": ["ControlPlaneLaunchTemplate", "LatestVersionNumber"] },
      },
      SubnetId: { Ref: "ControlPlaneSubnetId" },
      SecurityGroupIds: [{ "Fn::GetAtt": ["ControlPlaneSecurityGroup", "GroupId"] }],
      Tags: [{ Key: "Name", Value: "cirrus-control-plane" }],
    },
  },
} as const;
