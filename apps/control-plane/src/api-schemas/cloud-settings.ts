import { type Static, Type } from "@sinclair/typebox";

/**
 * A cluster's settings for the cloud account its brokers run in. Names only, never credentials: the
 * control plane reaches the cloud with the standard credential chains (AWS default provider chain,
 * Alibaba `@alicloud/credentials`). Cross-field rules (one subnet or vSwitch per zone of the spec,
 * exactly one image source, the section matching the provider) are checked by
 * `services/cluster-cloud-settings.ts`.
 */
const Zone = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9-]+$" });

export const AwsCloudSettings = Type.Object(
  {
    /** The AMI the brokers boot (give this or imageSsmParameter). */
    imageId: Type.Optional(Type.String({ pattern: "^ami-[0-9a-f]{8,17}$" })),
    /** An SSM parameter naming the AMI, e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64. */
    imageSsmParameter: Type.Optional(
      Type.String({ minLength: 2, maxLength: 1011, pattern: "^(/[A-Za-z0-9_.-]+)+$" }),
    ),
    /** One subnet per zone of the spec: zone → subnet id. */
    subnets: Type.Record(Zone, Type.String({ pattern: "^subnet-[0-9a-f]{8,17}$" })),
    securityGroupIds: Type.Array(Type.String({ pattern: "^sg-[0-9a-f]{8,17}$" }), {
      minItems: 1,
      maxItems: 5,
      uniqueItems: true,
    }),
    /** The instance profile brokers run with (their object-store access comes from its role). */
    instanceProfileArn: Type.Optional(
      Type.String({
        maxLength: 2048,
        pattern: "^arn:aws[a-z-]*:iam::[0-9]{12}:instance-profile/[A-Za-z0-9+=,.@_/-]+$",
      }),
    ),
    /**
     * The IAM role of that instance profile (its name, without path). A broker with no token in its user data
     * proves who it is with a sts:GetCallerIdentity signed by this role's instance credentials; without it, such a
     * proof is refused.
     */
    instanceRoleName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9+=,.@_-]+$" }),
    ),
  },
  { additionalProperties: false },
);
export type AwsCloudSettings = Static<typeof AwsCloudSettings>;

export const AliyunCloudSettings = Type.Object(
  {
    /** The ECS image the brokers boot. */
    imageId: Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.-]+$" }),
    /** One vSwitch per zone of the spec: zone → vSwitch id. */
    vSwitches: Type.Record(Zone, Type.String({ pattern: "^vsw-[a-z0-9]{1,64}$" })),
    securityGroupId: Type.String({ pattern: "^sg-[a-z0-9]{1,64}$" }),
    /** The RAM role brokers run with (their OSS access comes from it). */
    ramRoleName: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9.-]+$" })),
  },
  { additionalProperties: false },
);
export type AliyunCloudSettings = Static<typeof AliyunCloudSettings>;
