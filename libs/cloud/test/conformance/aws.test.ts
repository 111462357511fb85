import { AwsProvider } from "../../src/aws/aws-provider.ts";
import { fakeAwsClients } from "../fakes/aws-fake-clients.ts";
import { FakeAwsAccount } from "../fakes/aws-fake-state.ts";
import { fakeCloudTarget } from "./fake-cloud-target.ts";
import { runProviderConformance } from "./provider-conformance.ts";

runProviderConformance("aws (stateful fakes at the SDK boundary)", async () => {
  const account = new FakeAwsAccount();
  const provider = new AwsProvider({
    region: "us-east-1",
    pollIntervalMs: 20,
    clients: fakeAwsClients(account),
  });
  return fakeCloudTarget({
    provider,
    zones: account.zones,
    volumeTypes: { single: "gp3", multi: "io2" },
    instanceTypes: ["m6i.large", "m7g.large"],
    launchArgs: ["--config", "/etc/cirrus/broker.json"],
    cloudSection: {
      aws: {
        imageId: "ami-0123456789abcdef0",
        subnetIds: [...account.subnets.keys()],
        securityGroupIds: ["sg-1"],
      },
    },
    reclaimSpot: async (id) => account.markSpotForTermination(id),
    traffic: account.traffic,
  });
});
