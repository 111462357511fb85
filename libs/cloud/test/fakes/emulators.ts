/**
 * The stateful cloud fakes, exported as `@cirrus/cloud/emulators` for other workspaces' tests (the
 * control plane's convergence and failover tests): AWS (Auto Scaling, EC2, CloudWatch behind real SDK
 * clients; every input checked against the SDK's service model) and Alibaba Cloud (ESS over the
 * OpenAPI caller, checked against the official 2014-08-28 request definitions; ECS; CMS), with the
 * clouds' convergence delays injectable through `account.timing`. Also moto in server mode (an AWS emulator
 * written by others) and instance-role credentials made on its STS. Test code only.
 */

export { instanceRoleCredentials } from "../moto/moto-role-credentials.ts";
export { type MotoServer, motoBinary, startMotoServer } from "../moto/moto-server.ts";
export { fakeCms, fakeEcs } from "./aliyun-fake-ecs-cms.ts";
export { fakeEss } from "./aliyun-fake-ess.ts";
export { FakeAliyunAccount, type FakeAliyunEvents, type FakeEcsInstance } from "./aliyun-fake-state.ts";
export { fakeAwsClients } from "./aws-fake-clients.ts";
export { FakeAwsAccount, type FakeAwsEvents, type FakeEc2Instance } from "./aws-fake-state.ts";
export { type FakeTiming, noDelays, ThrottleDraws } from "./fake-timing.ts";
