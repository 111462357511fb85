// The control plane stopped in the middle of an aws cluster's create, failover and delete on the emulated AWS
// region and started again on the same database and port: the scenarios of harness/cloud-instance/
// restart-scenarios.ts (the same ones the Alibaba region runs).
import { EmulatedAwsClusterKit } from "../../harness/cloud-instance/aws-cluster-kit.ts";
import { describeControlPlaneRestarts } from "../../harness/cloud-instance/restart-scenarios.ts";

describeControlPlaneRestarts("aws", (options) => EmulatedAwsClusterKit.open(options));
