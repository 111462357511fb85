import { AliyunProvider } from "../../src/aliyun/aliyun-provider.ts";
import { fakeCms, fakeEcs } from "../fakes/aliyun-fake-ecs-cms.ts";
import { fakeEss } from "../fakes/aliyun-fake-ess.ts";
import { FakeAliyunAccount } from "../fakes/aliyun-fake-state.ts";
import { fakeCloudTarget } from "./fake-cloud-target.ts";
import { runProviderConformance } from "./provider-conformance.ts";

runProviderConformance("aliyun (stateful fakes at the OpenAPI/ECS/CMS client boundary)", async () => {
  const account = new FakeAliyunAccount();
  const provider = new AliyunProvider({
    regionId: account.regionId,
    pollIntervalMs: 20,
    clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms: fakeCms(account) },
  });
  return fakeCloudTarget({
    provider,
    zones: account.zones,
    volumeTypes: { single: "cloud_auto", multi: "cloud_essd" },
    instanceTypes: ["ecs.g7.large", "ecs.g8i.large"],
    launchArgs: [],
    cloudSection: {
      aliyun: {
        imageId: "aliyun_3_x64_20G_alibase_20240819.vhd",
        vSwitchIds: [...account.vSwitches.keys()],
        securityGroupId: "sg-1",
      },
    },
    reclaimSpot: async (id) => account.interruptSpot(id),
    traffic: account.traffic,
  });
});
