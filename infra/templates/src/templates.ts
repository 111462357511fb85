import { brokerRamPolicy, controlPlaneRamPolicy } from "./aliyun/ram-policies.ts";
import { rosStack } from "./aliyun/ros-stack.ts";
import { controlPlaneStack } from "./aws/control-plane-stack.ts";

/** Placeholders in the emitted RAM policies: the customer's OSS bucket and the brokers' RAM role. */
export const RAM_BUCKET = "CIRRUS_BUCKET";
export const RAM_BROKER_ROLE = "cirrus-broker";

/** Every template this package emits, by its file name under generated/ (what customers apply). */
export function templates(): Record<string, unknown> {
  return {
    "aws-control-plane.json": controlPlaneStack(),
    "aliyun-control-plane-ram-policy.json": controlPlaneRamPolicy(RAM_BUCKET, RAM_BROKER_ROLE),
    "aliyun-broker-ram-policy.json": brokerRamPolicy(RAM_BUCKET),
    "aliyun-control-plane-ros.json": rosStack(),
  };
}

/** A template as written to generated/: two-space JSON and a final newline. */
export function templateText(template: unknown): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}
