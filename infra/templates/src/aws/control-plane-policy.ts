import { type IamStatement, sub } from "./iam-policy.ts";
import { CLUSTER_TAG, FLEET_TAG, requestTagged, resourceTagged } from "./tags.ts";

// The control plane's role. Three groups, each checked by test/aws/control-plane-policy.test.ts against what
// actually runs: the calls libs/cloud's aws provider and the control plane's object purge send (derived from
// their source), the actions AWS itself checks on the caller's behalf for some of those calls, and what the
// instance's boot script reads. Resource ARNs and tag conditions narrow every action IAM lets us narrow.

const BUCKET = sub("arn:${AWS::Partition}:s3:::${Bucket}");
const LAUNCH_TEMPLATES = sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/*");
/**
 * What a RunInstances from a fleet's template uses or creates besides the template (EC2's resource types for
 * RunInstances, the Service Authorization Reference): the image and its snapshots (any owner: public or shared
 * AMIs), the subnet, security groups and key pair named, the instance, its volumes and network interface, and
 * the spot request of a spot launch.
 */
const LAUNCHED_RESOURCES = [
  sub("arn:${AWS::Partition}:ec2:${AWS::Region}::image/*"),
  sub("arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"),
  ...[
    "subnet",
    "security-group",
    "key-pair",
    "instance",
    "volume",
    "network-interface",
    "spot-instances-request",
  ].map((type) => sub(`arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${type}/*`)),
];
const BUCKET_OBJECTS = sub("arn:${AWS::Partition}:s3:::${Bucket}/*");

/** One statement per kind of scoping; the actions are exactly the SDK operations the code sends. */
export const PROVIDER_STATEMENTS: readonly IamStatement[] = [
  {
    // Describe/List/Get calls of these services support no resource-level permissions.
    Sid: "ReadFleetsInstancesVolumesMetrics",
    Effect: "Allow",
    Action: [
      "autoscaling:DescribeAutoScalingGroups",
      "ec2:DescribeInstances",
      "ec2:DescribeSpotInstanceRequests",
      "ec2:DescribeVolumes",
      "cloudwatch:GetMetricData",
    ],
    Resource: "*",
  },
  {
    Sid: "CreateTaggedGroups",
    Effect: "Allow",
    Action: ["autoscaling:CreateAutoScalingGroup"],
    Resource: "*",
    Condition: requestTagged(CLUSTER_TAG),
  },
  {
    Sid: "ManageTaggedGroups",
    Effect: "Allow",
    Action: [
      "autoscaling:CompleteLifecycleAction",
      "autoscaling:DeleteAutoScalingGroup",
      "autoscaling:RecordLifecycleActionHeartbeat",
      "autoscaling:SetDesiredCapacity",
      "autoscaling:SetInstanceProtection",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
      "autoscaling:UpdateAutoScalingGroup",
    ],
    Resource: "*",
    Condition: resourceTagged(CLUSTER_TAG),
  },
  {
    Sid: "CreateTaggedLaunchTemplates",
    Effect: "Allow",
    Action: ["ec2:CreateLaunchTemplate"],
    Resource: LAUNCH_TEMPLATES,
    Condition: requestTagged(FLEET_TAG),
  },
  {
    Sid: "ManageTaggedLaunchTemplates",
    Effect: "Allow",
    Action: ["ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplate"],
    Resource: LAUNCH_TEMPLATES,
    Condition: resourceTagged(FLEET_TAG),
  },
  {
    Sid: "CreateTaggedWalVolumes",
    Effect: "Allow",
    Action: ["ec2:CreateVolume"],
    Resource: sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*"),
    Condition: requestTagged(CLUSTER_TAG),
  },
  {
    // Attach and detach act on the volume and the instance: both carry the cluster tag.
    Sid: "MoveTaggedWalVolumes",
    Effect: "Allow",
    Action: ["ec2:AttachVolume", "ec2:DeleteVolume", "ec2:DetachVolume"],
    Resource: [
      sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*"),
      sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"),
    ],
    Condition: resourceTagged(CLUSTER_TAG),
  },
  {
    // Deleting a cluster purges what its brokers wrote (controllers/provisioner/object-purge.ts).
    Sid: "ListClusterBucket",
    Effect: "Allow",
    Action: ["s3:ListBucket"],
    Resource: BUCKET,
  },
  {
    Sid: "PurgeClusterObjects",
    Effect: "Allow",
    Action: ["s3:DeleteObject"],
    Resource: BUCKET_OBJECTS,
  },
];

/** An action AWS checks on the caller's behalf during one of the code's own calls. */
export interface ImpliedAction {
  action: string;
  /** The code's calls (IAM names) during which AWS checks it. */
  by: readonly string[];
  why: string;
}

export const IMPLIED_ACTIONS: readonly ImpliedAction[] = [
  {
    action: "ec2:RunInstances",
    by: ["autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup"],
    why: "Auto Scaling checks that whoever names a launch template in a group may launch instances from it",
  },
  {
    action: "ec2:CreateTags",
    by: ["ec2:CreateLaunchTemplate", "ec2:CreateVolume"],
    why: "TagSpecifications on a create call are authorised as ec2:CreateTags with ec2:CreateAction",
  },
  {
    action: "iam:PassRole",
    by: ["ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup"],
    why: "the launch template names the brokers' instance profile (spec.aws.instanceProfileArn)",
  },
  {
    action: "ssm:GetParameters",
    by: ["ec2:CreateLaunchTemplate"],
    why: "an image given as an SSM parameter (spec.aws.imageSsmParameter) becomes resolve:ssm:, resolved with the caller's rights",
  },
  {
    action: "iam:CreateServiceLinkedRole",
    by: ["autoscaling:CreateAutoScalingGroup"],
    why: "the first group in an account creates AWSServiceRoleForAutoScaling",
  },
];

export const IMPLIED_STATEMENTS: readonly IamStatement[] = [
  // Auto Scaling checks ec2:RunInstances with the caller's rights when a group is created or updated with a
  // launch template ("Control Amazon EC2 launch template usage in Auto Scaling groups", EC2 Auto Scaling user
  // guide). RunInstances is authorised on every resource of the launch: the template itself only when it carries
  // the fleet tag (only fleet templates, which CreateTaggedLaunchTemplates lets the role create), every other
  // resource only when a launch template of this account and region is used (ec2:LaunchTemplate). So the role
  // cannot launch an instance outside a fleet's template, as RunInstances on "*" allowed.
  {
    Sid: "LaunchFromFleetTemplates",
    Effect: "Allow",
    Action: ["ec2:RunInstances"],
    Resource: LAUNCH_TEMPLATES,
    Condition: resourceTagged(FLEET_TAG),
  },
  {
    Sid: "LaunchResourcesOnlyThroughTemplates",
    Effect: "Allow",
    Action: ["ec2:RunInstances"],
    Resource: LAUNCHED_RESOURCES,
    Condition: { ArnLike: { "ec2:LaunchTemplate": LAUNCH_TEMPLATES } },
  },
  {
    Sid: "TagOnCreate",
    Effect: "Allow",
    Action: ["ec2:CreateTags"],
    Resource: "*",
    Condition: {
      StringEquals: { "ec2:CreateAction": ["CreateLaunchTemplate", "CreateVolume", "RunInstances"] },
    },
  },
  {
    Sid: "PassBrokerRole",
    Effect: "Allow",
    Action: ["iam:PassRole"],
    Resource: { "Fn::GetAtt": ["BrokerRole", "Arn"] },
    Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
  },
  {
    Sid: "ResolveImageParameters",
    Effect: "Allow",
    Action: ["ssm:GetParameters"],
    Resource: [
      sub("arn:${AWS::Partition}:ssm:${AWS::Region}::parameter/aws/service/*"),
      sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*"),
    ],
  },
  {
    Sid: "AutoScalingServiceLinkedRole",
    Effect: "Allow",
    Action: ["iam:CreateServiceLinkedRole"],
    Resource: sub(
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    ),
    Condition: { StringEquals: { "iam:AWSServiceName": "autoscaling.amazonaws.com" } },
  },
];

/** What the instance's boot script (control-plane-user-data.ts) reads: the release, the two secrets. */
export const BOOT_STATEMENTS: readonly IamStatement[] = [
  {
    Sid: "ReadRelease",
    Effect: "Allow",
    Action: ["s3:GetObject"],
    Resource: sub("arn:${AWS::Partition}:s3:::${ReleaseBucket}/${ReleaseKey}"),
  },
  {
    Sid: "ReadSecrets",
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue"],
    Resource: [{ Ref: "DatabaseSecret" }, { Ref: "SecretsKeySecret" }],
  },
];
