/**
 * Tags the aws provider and the control plane put on what they create (libs/cloud launch-template.ts FLEET_TAG,
 * control-plane provisioner cluster-fleet.ts and wal-volumes.ts): policies scope mutations to resources that
 * carry them. `cirrus:cluster` is on every group (propagated to its instances) and every WAL volume;
 * `cirrus:fleet` on every group, launch template and instance.
 */
export const CLUSTER_TAG = "cirrus:cluster";
export const FLEET_TAG = "cirrus:fleet";

/** The tag key is present on the resource acted on (aws:ResourceTag) or in the request (aws:RequestTag). */
export const resourceTagged = (key: string) => ({ Null: { [`aws:ResourceTag/${key}`]: "false" } });
export const requestTagged = (key: string) => ({ Null: { [`aws:RequestTag/${key}`]: "false" } });
