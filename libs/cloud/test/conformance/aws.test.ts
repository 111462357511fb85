import { AwsProvider } from "../../src/aws/aws-provider.ts";
import { fakeAutoScaling } from "../fakes/aws-fake-auto-scaling.ts";
import { fakeCloudWatch, fakeEc2 } from "../fakes/aws-fake-ec2.ts";
import { FakeAwsAccount } from "../fakes/aws-fake-state.ts";
import { runProviderConformance } from "./provider-conformance.ts";

runProviderConformance("aws (stateful fakes at the SDK boundary)", async () => {
  const account = new FakeAwsAccount();
  const provider = new AwsProvider({
    region: "us-east-1",
    pollIntervalMs: 20,
    clients: {
      autoScaling: fakeAutoScaling(account),
      ec2: fakeEc2(account),
      cloudWatch: fakeCloudWatch(account),
    },
  });
  return {
    provider,
    zones: account.zones,
    volumeTypes: { single: "gp3", multi: "io2" },
    convergeMs: 2000,
    trafficWindowMs: 0,
    rateWindowSeconds: 120,
    fleetSpec: (name, sizes) => ({
      name,
      minSize: sizes.min,
      maxSize: sizes.max,
      desiredCapacity: sizes.desired,
      zones: account.zones,
      instanceTypes: ["m6i.large", "m7g.large"],
      onDemandBaseCapacity: 0,
      onDemandPercentageAboveBase: 100,
      capacityRebalance: true,
      launch: {
        command: "/opt/cirrus/bin/broker",
        args: ["--config", "/etc/cirrus/broker.json"],
        env: { CIRRUS_CLUSTER: "c1" },
      },
      aws: {
        imageId: "ami-0123456789abcdef0",
        subnetIds: [...account.subnets.keys()],
        securityGroupIds: ["sg-1"],
      },
    }),
    reclaimSpot: async (id) => account.markSpotForTermination(id),
    driveTraffic: async (id, inRate, outRate) => {
      account.traffic.set(id, { in: inRate, out: outRate });
    },
    close: () => provider.close(),
  };
});
