import type { SdkCall } from "./aws-sdk-calls.ts";

/**
 * S3 is the one service here whose IAM actions are not its operation names (AWS's "Actions, resources, and
 * condition keys for Amazon S3": each operation's required permission). An S3 operation missing here fails
 * the tests until its permission is looked up and added.
 */
const S3_PERMISSIONS: Readonly<Record<string, string>> = {
  AbortMultipartUpload: "s3:AbortMultipartUpload",
  CompleteMultipartUpload: "s3:PutObject",
  CreateMultipartUpload: "s3:PutObject",
  DeleteObjects: "s3:DeleteObject",
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  ListObjectsV2: "s3:ListBucket",
  PutObject: "s3:PutObject",
  UploadPart: "s3:PutObject",
};

/**
 * Calls IAM does not check: STS answers GetCallerIdentity whatever the caller's policy says ("No permissions are
 * required to perform this operation", STS API reference). The control plane asks it its own account
 * (apps/control-plane/src/auth/own-aws-account.ts).
 */
const UNCHECKED: ReadonlySet<string> = new Set(["sts:GetCallerIdentity"]);

/** Whether IAM checks the call at all (see UNCHECKED); a call it checks must be granted. */
export function needsPermission(call: Pick<SdkCall, "service" | "operation">): boolean {
  return !UNCHECKED.has(`${call.service}:${call.operation}`);
}

/**
 * The IAM action a call needs. For Auto Scaling, EC2 and CloudWatch the action is `<prefix>:<Operation>` and the
 * model's namespace (autoscaling, ec2, cloudwatch) is the IAM prefix; S3 goes through its table.
 */
export function iamActionOf(call: Pick<SdkCall, "service" | "operation">): string {
  if (call.service === "s3") {
    const action = S3_PERMISSIONS[call.operation];
    if (!action) throw new Error(`S3 ${call.operation}: no IAM permission known (add it to S3_PERMISSIONS)`);
    return action;
  }
  if (!["autoscaling", "ec2", "cloudwatch"].includes(call.service))
    throw new Error(`${call.service}:${call.operation}: a service whose IAM prefix is not checked yet`);
  return `${call.service}:${call.operation}`;
}
