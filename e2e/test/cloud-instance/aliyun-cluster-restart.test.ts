// The control plane stopped in the middle of an aliyun cluster's create, failover and delete on the emulated
// Alibaba Cloud region (ESS/ECS fakes, 10% of requests throttled) and started again on the same database and
// port: the scenarios of harness/cloud-instance/restart-scenarios.ts (the same ones the AWS region runs).
import { EmulatedAliyunClusterKit } from "../../harness/cloud-instance/aliyun-cluster-kit.ts";
import { describeControlPlaneRestarts } from "../../harness/cloud-instance/restart-scenarios.ts";

describeControlPlaneRestarts("aliyun", (options) => EmulatedAliyunClusterKit.open(options));
