import { type IamStatement, sub } from "./iam-policy.ts";

/**
 * The brokers' instance role: the object store's S3 calls on the cluster bucket and nothing else. Brokers
 * prove who they are to the control plane with the instance identity document IMDSv2 hands them (signed by
 * AWS, no IAM call) and learn of spot interruptions from IMDS too, so they need no other AWS permission.
 * Checked against libs/object-store's S3 calls by test/aws/broker-policy.test.ts.
 */
export const BROKER_STATEMENTS: readonly IamStatement[] = [
  {
    Sid: "ListClusterBucket",
    Effect: "Allow",
    Action: ["s3:ListBucket"],
    Resource: sub("arn:${AWS::Partition}:s3:::${Bucket}"),
  },
  {
    Sid: "ReadWriteClusterObjects",
    Effect: "Allow",
    Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
    Resource: sub("arn:${AWS::Partition}:s3:::${Bucket}/*"),
  },
];
