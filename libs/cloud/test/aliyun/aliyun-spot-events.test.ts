import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pollSpotNotices } from "../../src/aliyun/aliyun-notices.ts";
import { fakeCms } from "../fakes/aliyun-fake-ecs-cms.ts";
import { FakeAliyunAccount } from "../fakes/aliyun-fake-state.ts";

describe("aliyun preemptible-interruption events", () => {
  it("reads every page of events: a whole spot pool reclaimed at once is more than one page", async () => {
    const account = new FakeAliyunAccount();
    const ids: string[] = [];
    for (let i = 0; i < 230; i++) {
      const instance = account.launch(account.zones[i % 2]!, "ecs.g7.large", "SpotAsPriceGo");
      account.interruptSpot(instance.id);
      ids.push(instance.id);
    }
    const notices = await pollSpotNotices(fakeCms(account), () => "brokers");
    assert.equal(notices.length, 230);
    assert.deepEqual(new Set(notices.map((n) => n.instanceId)), new Set(ids));
    const pages = account.requests.filter((r) => r.action === "DescribeSystemEventAttribute");
    assert.deepEqual(
      pages.map((p) => p.args.pageNumber),
      [1, 2, 3],
    );
    assert.ok(notices.every((n) => n.kind === "spot-reclaim" && n.deadline !== undefined));
  });
});
