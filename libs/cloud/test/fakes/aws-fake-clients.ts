import { fakeAutoScaling } from "./aws-fake-auto-scaling.ts";
import { fakeCloudWatch, fakeEc2 } from "./aws-fake-ec2.ts";
import type { FakeAwsAccount } from "./aws-fake-state.ts";

/** The three SDK clients AwsProvider takes, all backed by one fake account. */
export function fakeAwsClients(account: FakeAwsAccount) {
  return {
    autoScaling: fakeAutoScaling(account),
    ec2: fakeEc2(account),
    cloudWatch: fakeCloudWatch(account),
  };
}
