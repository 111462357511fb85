// An aliyun cluster end to end on the emulated Alibaba Cloud region (harness/cloud-instance/
// emulated-aliyun-cloud.ts): the control plane's real aliyun provider drives the stateful ESS / ECS /
// CloudMonitor fakes (every ESS request checked against Alibaba's official 2014-08-28 definitions), and every
// instance a fake scaling group launches boots a REAL broker from its scaling configuration's user data, with
// the ECS metadata service (identity document PKCS#7-signed by OpenSSL, verified by the control plane), its
// own loopback address and its disks as block files under its `virtio-…` by-id names. 10% of all ESS, ECS and
// CMS requests are refused with `Throttling.User`. POST /v1/clusters → 3 brokers with the fake's instance ids,
// zones and addresses → kcat round trip → PATCH to 5 → a preemptible-instance interruption drains one and its
// replacement registers → an instance killed outright has its WAL disk attached to a broker in its zone and
// every acknowledged record is read back → PATCH to 4: ESS holds the instance it removes on the lifecycle
// hook until its broker is drained → DELETE leaves no instance, disk, scaling configuration or group.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EmulatedAliyunClusterKit } from "../../harness/cloud-instance/aliyun-cluster-kit.ts";
import { runtimeOf, sharedBrokerBundle } from "../../harness/cloud-instance/broker-bundle.ts";
import type { ClusterSpecBody } from "../../harness/cloud-instance/emulated-cluster-kit.ts";
import { MetadataEmulator } from "../../harness/cloud-instance/metadata-emulator.ts";

describe("an aliyun cluster on the emulated Alibaba Cloud region", { timeout: 240_000 }, () => {
  let kit: EmulatedAliyunClusterKit;
  let spec: ClusterSpecBody;
  const started = Date.now();
  const figures: Record<string, number> = {};
  let stepStart = Date.now();
  const lap = (name: string) => {
    figures[name] = Date.now() - stepStart;
    stepStart = Date.now();
  };

  before(async () => {
    kit = await EmulatedAliyunClusterKit.open();
    spec = kit.spec({ min: 3, max: 6 });
    stepStart = Date.now();
  });
  after(async () => {
    console.log(JSON.stringify({ test: "aliyun-cluster", stepMs: figures, totalMs: Date.now() - started }));
    await kit?.close();
  });

  it("POST /v1/clusters (aliyun) → 3 brokers on the instances the fake group launched → kcat round trip", async () => {
    const live = await kit.createdWith("emulated-aliyun", spec, 3);
    for (const b of live)
      assert.notEqual(kit.cloud.account.instances.get(b.instanceId)?.spotStrategy, "NoSpot", "spot only");
    // Booted from the scaling configuration's user data: no secret, no disk in it.
    const config = [...kit.cloud.account.configurations.values()][0]!;
    const script = Buffer.from(config.userData ?? "", "base64").toString();
    assert.match(script, /CIRRUS_NODE_IDENTITY='aliyun'/);
    assert.doesNotMatch(script, /TOKEN|\bd-[0-9a-z]{10,}/);
    const first = await kit.cloud.instance(live[0]!.instanceId);
    // A stock image: the broker runs the bundle's Node 24 (fetched from the control plane, sha256 checked).
    const bundle = await sharedBrokerBundle();
    assert.match(script, new RegExp(`/internal/v1/broker-bundle/${bundle.sha256}'`));
    const runtime = runtimeOf(first.pid!);
    assert.match(runtime.exe, new RegExp(`/var/lib/cirrus/bundle-${bundle.sha256}/bin/node$`));
    assert.match(runtime.version, /^v24\./);
    assert.match(first.output, /credential issued for instance i-[0-9a-z]+ on its aliyun identity/);
    assert.match(first.output, /WAL on \S*\/dev\/disk\/by-id\/virtio-[0-9a-z]+\n/);
    assert.ok(
      first.metadata.requests.some((r) => r.path.endsWith("/instance-identity/pkcs7") && r.status === 200),
      "the broker read its PKCS#7 identity signature",
    );

    await kit.roundTrip(live, "emulated-first", 200);
    lap("create");
  });

  it("a validly signed identity of an ECS instance outside the cluster's fleet gets no credential", async () => {
    const stranger = await MetadataEmulator.start({
      provider: "aliyun",
      instanceId: "i-bp1strangerinstance0",
      zone: "cn-hangzhou-h",
      privateIp: "127.0.0.99",
      signingKey: kit.signer.key,
      signingCertificate: kit.signer.certificate,
    });
    try {
      const read = async (path: string) => (await fetch(`${stranger.url}${path}`)).text();
      const post = async (path: string, body: unknown) => {
        const answer = await fetch(`${kit.cp.url}/internal/v1/${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: answer.status, body: (await answer.json()) as Record<string, string> };
      };
      const document = await read("/latest/dynamic/instance-identity/document");
      /** A proof signed with a fresh challenge of the control plane as its audience. */
      const challenged = async () => {
        const challenge = await post("instance-challenges", { clusterId: kit.clusterId });
        assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
        const audience = challenge.body.audience as string;
        const signature = await read(
          `/latest/dynamic/instance-identity/pkcs7?audience=${encodeURIComponent(audience)}`,
        );
        return { provider: "aliyun", document, signature, audience };
      };
      // Each answer is a retriable 503; a throttled fleet listing says "cannot be read now", so ask until
      // the listing was read and said no (a challenge is good once: a new one each time).
      const details: string[] = [];
      let spent: unknown;
      for (let attempt = 0; attempt < 10; attempt++) {
        spent = await challenged();
        const answer = await post("instance-credentials", { clusterId: kit.clusterId, identity: spent });
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
        details.push(answer.body.detail as string);
        if (!/cannot be read now/.test(answer.body.detail as string)) break;
      }
      assert.match(details.at(-1) ?? "", /i-bp1strangerinstance0 is not \(yet\) an instance of cluster/);
      // The same proof again (a replay), and a proof without an audience: 401, saying why.
      const replay = await post("instance-credentials", { clusterId: kit.clusterId, identity: spent });
      assert.equal(replay.status, 401);
      assert.match(replay.body.detail as string, /challenge was already used/);
      const old = await post("instance-credentials", {
        clusterId: kit.clusterId,
        identity: {
          provider: "aliyun",
          document,
          signature: await read("/latest/dynamic/instance-identity/pkcs7"),
        },
      });
      assert.equal(old.status, 401);
      assert.match(old.body.detail as string, /must be signed with a challenge as its audience/);
    } finally {
      await stranger.close();
    }
  });

  it("PATCH brokers.min 3 → 5: the group grows and 5 brokers register", async () => {
    spec = await kit.scaledOut(spec, { min: 5, max: 6 });
    lap("scaleOut");
  });

  it("a preemptible-instance interruption drains the broker on that instance; the replacement registers", async () => {
    await kit.spotNoticeDrainsAndReplaces(5);
    lap("spotNotice");
  });

  it("an instance killed outright: its WAL disk goes to a broker in its zone, every acked record is read", async () => {
    await kit.crashRecoversWal("emulated-wal", 5);
    lap("crashFailover");
  });

  it("PATCH brokers 5 → 4: ESS's scale-in hook holds the instance until its broker is drained", async () => {
    // ESS parks the instance it removes in Removing:Wait on cirrus-terminate; completed by its action's token.
    spec = await kit.scaledInThroughHook(spec, { min: 4, max: 4 }, "emulated-first", 200);
    lap("scaleIn");
  });

  it("DELETE: no instance, disk, scaling configuration or group is left in the emulated region", async () => {
    const deleted = await kit.cp.api("DELETE", `/v1/clusters/${kit.clusterId}`);
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    await kit.assertNothingLeft();
    lap("delete");
    figures.throttledRequests = kit.cloud.account.throttledRequests;
    figures.requestsServed = kit.cloud.account.requests.length;
    assert.ok(kit.cloud.account.throttledRequests > 0, "some requests were throttled (Throttling.User)");
  });
});
