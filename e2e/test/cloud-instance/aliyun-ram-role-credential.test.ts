// The control plane on an ECS instance with a RAM role: `@alicloud/credentials`' own ECS RAM role provider
// (session token, role name, the role's STS credentials) against the emulated instance metadata service, its
// credentials handed to the real ECS client (createAliyunClients) through aliyunCredential, and rotated
// credentials picked up without rebuilding the client. Only the provider's metadata host is moved to the
// emulator (ramRoleProviderOn); everything else is the package's code and ours.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import * as $Ecs from "@alicloud/ecs20140526";
import { aliyunCredential, aliyunCredentialProblem, createAliyunClients } from "@cirrus/cloud";
import { MetadataEmulator, ramRoleProviderOn } from "../../harness/cloud-instance/index.ts";

/** A local ECS endpoint that records the headers of each request and answers an empty DescribeInstances. */
async function ecsEndpoint() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    request.on("end", () =>
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ RequestId: "r", Instances: { Instance: [] } })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, host, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("aliyun: the ECS RAM role through @alicloud/credentials", () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it("signs ECS calls with the role's STS credentials from the metadata service, and follows their rotation", async () => {
    let clock = Date.now();
    const metadata = await MetadataEmulator.start({
      provider: "aliyun",
      instanceId: "i-bp1controlplane0001",
      zone: "cn-hangzhou-h",
      privateIp: "172.16.0.5",
      requireToken: true,
      // Shorter than the SDK's 15-minute stale window: it asks again before each use.
      ramRole: { name: "CirrusControlPlane", credentialTtlMs: 10 * 60_000 },
      now: () => clock,
    });
    const ecs = await ecsEndpoint();
    closers.push(() => metadata.close(), ecs.close);

    const credential = aliyunCredential({ provider: ramRoleProviderOn(metadata) });
    assert.equal(await aliyunCredentialProblem(credential), undefined);
    const client = createAliyunClients({
      regionId: "cn-hangzhou",
      credential,
      endpoints: { ecs: ecs.host },
      protocol: "http",
    }).ecs;
    const describe = () =>
      client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: "cn-hangzhou" }));

    await describe();
    const first = metadata.issuedRoleCredentials[0];
    assert.ok(first, "the emulator issued the role's credentials");
    const signed = ecs.seen.at(-1);
    assert.match(String(signed?.authorization), new RegExp(`Credential=${first.AccessKeyId},`));
    assert.equal(signed?.["x-acs-security-token"], first.SecurityToken);
    // Hardened mode: a session token first, then the role name and its credentials with it (403 otherwise).
    assert.deepEqual(metadata.requests[0], { method: "PUT", path: "/latest/api/token", status: 200 });
    assert.ok(metadata.requests.some((r) => r.path === "/latest/meta-data/ram/security-credentials/"));
    assert.ok(metadata.requests.every((r) => r.status === 200));

    clock += 11 * 60_000; // the first set expired: ECS serves a new one
    await describe();
    const second = metadata.issuedRoleCredentials[1];
    assert.ok(second, "a second set was issued");
    assert.notEqual(second.AccessKeyId, first.AccessKeyId);
    const resigned = ecs.seen.at(-1);
    assert.match(String(resigned?.authorization), new RegExp(`Credential=${second.AccessKeyId},`));
    assert.equal(resigned?.["x-acs-security-token"], second.SecurityToken);
  });

  it("a metadata service without a role attached: a problem naming every option and the reason", async () => {
    const metadata = await MetadataEmulator.start({
      provider: "aliyun",
      instanceId: "i-bp1controlplane0002",
      zone: "cn-hangzhou-h",
      privateIp: "172.16.0.6",
      requireToken: true,
    });
    closers.push(() => metadata.close());
    const problem = await aliyunCredentialProblem(
      aliyunCredential({ provider: ramRoleProviderOn(metadata) }),
    );
    assert.match(problem ?? "", /ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    assert.match(problem ?? "", /ECS RAM role/);
    assert.match(problem ?? "", /get role name failed: .* 404/);
  });
});
