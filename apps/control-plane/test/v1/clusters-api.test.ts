import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { operations } from "../../src/db/schema.ts";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

/** Cloud settings naming one subnet or vSwitch for `zone` (ids shaped as the clouds shape them). */
function cloudSettings(provider: "aws" | "aliyun", zone: string) {
  return provider === "aws"
    ? {
        aws: {
          imageId: "ami-0123456789abcdef0",
          subnets: { [zone]: "subnet-0123456789abcdef0" },
          securityGroupIds: ["sg-0123456789abcdef0"],
        },
      }
    : {
        aliyun: {
          imageId: "aliyun_3_x64_20G_alibase_20240819.vhd",
          vSwitches: { [zone]: "vsw-bp1abc" },
          securityGroupId: "sg-bp1abc",
        },
      };
}

for (const backend of testBackends()) {
  describe(`clusters API on ${backend}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(() => t.close());

    const create = (name: string, token = t.admin, headers: Record<string, string> = {}) =>
      t.app.server.inject({
        method: "POST",
        url: "/v1/clusters",
        headers: { ...t.auth(token), ...headers },
        payload: { name, spec: localSpec },
      });

    it("creates a cluster in CREATING with a pending cluster.create operation", async () => {
      const response = await create("alpha");
      assert.equal(response.statusCode, 202);
      const body = response.json();
      assert.equal(body.cluster.state, "CREATING");
      assert.equal(body.cluster.deletionProtection, true);
      assert.equal(body.cluster.version, 1);
      assert.equal(body.operation.type, "cluster.create");
      assert.equal(body.operation.status, "PENDING");
      assert.match(body.brokerToken, /^cbt_/);
      const again = await create("alpha");
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, "ALREADY_EXISTS");
    });

    it("pages through clusters with cursors, newest first", async () => {
      for (const name of ["p-1", "p-2", "p-3"]) assert.equal((await create(name)).statusCode, 202);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string> = { limit: "2", ...(cursor ? { cursor } : {}) };
        const page = await t.app.server.inject({
          method: "GET",
          url: "/v1/clusters",
          headers: t.auth(t.viewer),
          query,
        });
        assert.equal(page.statusCode, 200);
        const body = page.json();
        assert.ok(body.items.length <= 2);
        seen.push(...body.items.map((c: { name: string }) => c.name));
        cursor = body.nextCursor;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, "no duplicates across pages");
      assert.ok(seen.indexOf("p-3") < seen.indexOf("p-1"), "newest first");
      const bad = await t.app.server.inject({
        method: "GET",
        url: "/v1/clusters?cursor=bm9wZQ",
        headers: t.auth(t.viewer),
      });
      assert.equal(bad.statusCode, 400);
    });

    it("updates with optimistic versions and turns spec changes into an operation", async () => {
      const { cluster } = (await create("upd")).json();
      const url = `/v1/clusters/${cluster.id}`;
      const spec = { ...localSpec, brokers: { min: 2, max: 5 } };
      const changed = await t.app.server.inject({
        method: "PATCH",
        url,
        headers: t.auth(t.operator),
        payload: { version: 1, spec },
      });
      assert.equal(changed.statusCode, 202);
      assert.equal(changed.json().cluster.state, "UPDATING");
      assert.equal(changed.json().operation.type, "cluster.update");
      const stale = await t.app.server.inject({
        method: "PATCH",
        url,
        headers: t.auth(t.operator),
        payload: { version: 1, spec },
      });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().code, "VERSION_MISMATCH");
      const bad = await t.app.server.inject({
        method: "PATCH",
        url,
        headers: t.auth(t.operator),
        payload: { version: 2, spec: { ...spec, brokers: { min: 9, max: 2 } } },
      });
      assert.equal(bad.statusCode, 400);
      const got = (await t.app.server.inject({ method: "GET", url, headers: t.auth(t.viewer) })).json();
      assert.equal(got.version, 2);
      assert.equal(got.spec.brokers.min, 2);
    });

    it("refuses to delete a protected cluster, then deletes it through an operation", async () => {
      const { cluster } = (await create("del")).json();
      const url = `/v1/clusters/${cluster.id}`;
      const refused = await t.app.server.inject({ method: "DELETE", url, headers: t.auth(t.admin) });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().code, "DELETION_PROTECTED");
      await t.app.server.inject({
        method: "PATCH",
        url,
        headers: t.auth(t.admin),
        payload: { version: 1, deletionProtection: false },
      });
      const deleting = await t.app.server.inject({ method: "DELETE", url, headers: t.auth(t.admin) });
      assert.equal(deleting.statusCode, 202);
      assert.equal(deleting.json().cluster.state, "DELETING");
      assert.deepEqual(
        deleting.json().operation.steps.map((s: { name: string }) => s.name),
        ["drain-brokers", "fence-brokers", "deprovision-resources", "release-streams", "remove-metadata"],
      );
    });

    it("refuses cloud settings that do not fit the spec with a problem+json naming the field", async () => {
      const zones = ["us-east-1a", "us-east-1b"];
      const post = (spec: Record<string, unknown>) =>
        t.app.server.inject({
          method: "POST",
          url: "/v1/clusters",
          headers: t.auth(t.admin),
          payload: {
            name: "cloud-bad",
            spec: { ...localSpec, provider: "aws", region: "us-east-1", zones, ...spec },
          },
        });
      const good = cloudSettings("aws", "us-east-1a").aws;
      const cases: [Record<string, unknown>, RegExp][] = [
        [{}, /spec\.aws is required for provider aws/],
        [
          { aws: { ...good, subnets: { "us-east-1a": "subnet-0123456789abcdef0" } } },
          /no subnet for us-east-1b/,
        ],
        [
          {
            aws: {
              ...good,
              subnets: {
                "us-east-1a": "subnet-0123456789abcdef0",
                "us-east-1b": "subnet-0123456789abcdef1",
                "us-east-1c": "subnet-0123456789abcdef2",
              },
            },
          },
          /us-east-1c not in spec\.zones/,
        ],
        [
          {
            aws: {
              ...good,
              subnets: { "us-east-1a": "subnet-0123456789abcdef0", "us-east-1b": "subnet-0123456789abcdef1" },
              imageSsmParameter: "/aws/service/x",
            },
          },
          /exactly one of imageId and imageSsmParameter/,
        ],
        [{ aws: { ...good, securityGroupIds: ["not-a-group"] } }, /securityGroupIds/],
        [
          { aws: { ...good, instanceRoleName: "cirrus-broker" } },
          /instanceRoleName is the role of .*instanceProfileArn/,
        ],
        [{ aws: { ...good, instanceRoleName: "a/b" } }, /instanceRoleName/],
        [
          { aliyun: cloudSettings("aliyun", "us-east-1a").aliyun, aws: undefined },
          /spec\.aliyun is only for provider aliyun/,
        ],
        [{ aws: { ...good, accessKeyId: "AKIA..." } }, /accessKeyId|additional/i],
      ];
      for (const [spec, message] of cases) {
        const response = await post(spec);
        assert.equal(response.statusCode, 400, JSON.stringify(spec));
        assert.match(String(response.headers["content-type"]), /application\/problem\+json/);
        assert.match(JSON.stringify(response.json()), message);
      }
    });

    it("refuses an aws or aliyun cluster it has no credentials for, before storing anything", async () => {
      const saved = { ...process.env };
      for (const name of Object.keys(process.env))
        if (name.startsWith("AWS_") || name.startsWith("ALIBABA_CLOUD_")) delete process.env[name];
      // Nothing for the AWS SDK's default chain to find: no keys, no shared files, no instance role.
      Object.assign(process.env, {
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
        AWS_CONFIG_FILE: "/nonexistent/config",
        AWS_EC2_METADATA_DISABLED: "true",
        // Nor for @alicloud/credentials' chain: no metadata service (files are looked up under HOME).
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
      });
      const post = (name: string, provider: "aws" | "aliyun", region: string) =>
        t.app.server.inject({
          method: "POST",
          url: "/v1/clusters",
          headers: t.auth(t.admin),
          payload: {
            name,
            spec: {
              ...localSpec,
              provider,
              region,
              zones: [`${region}-a`],
              ...cloudSettings(provider, `${region}-a`),
            },
          },
        });
      try {
        const aws = await post("cloud-aws", "aws", "us-east-1");
        assert.equal(aws.statusCode, 422);
        assert.match(String(aws.headers["content-type"]), /application\/problem\+json/);
        assert.equal(aws.json().code, "PROVISIONING_CREDENTIALS_MISSING");
        assert.match(aws.json().detail, /AWS credentials/);
        const aliyun = await post("cloud-aliyun", "aliyun", "cn-hangzhou");
        assert.equal(aliyun.statusCode, 422);
        assert.equal(aliyun.json().code, "PROVISIONING_CREDENTIALS_MISSING");
        assert.match(aliyun.json().detail, /ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
        const list = await t.app.server.inject({
          method: "GET",
          url: "/v1/clusters?limit=500",
          headers: t.auth(t.admin),
        });
        const names = list.json().items.map((c: { name: string }) => c.name);
        assert.ok(!names.includes("cloud-aws") && !names.includes("cloud-aliyun"), "nothing was stored");
        Object.assign(process.env, {
          AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
          AWS_SECRET_ACCESS_KEY: "secret",
          ALIBABA_CLOUD_ACCESS_KEY_ID: "id",
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
        });
        assert.equal((await post("cloud-aws", "aws", "us-east-1")).statusCode, 202);
        assert.equal((await post("cloud-aliyun", "aliyun", "cn-hangzhou")).statusCode, 202);
      } finally {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        Object.assign(process.env, saved);
      }
    });

    it("deletes again a cluster whose deletion failed, with abandon=true (admin only)", async () => {
      const { cluster } = (await create("stuck")).json();
      const url = `/v1/clusters/${cluster.id}`;
      await t.app.server.inject({
        method: "PATCH",
        url,
        headers: t.auth(t.admin),
        payload: { version: 1, deletionProtection: false },
      });
      const first = await t.app.server.inject({ method: "DELETE", url, headers: t.auth(t.admin) });
      assert.equal(first.statusCode, 202);
      assert.equal(first.json().operation.input.abandon, false);
      const during = await t.app.server.inject({ method: "DELETE", url, headers: t.auth(t.admin) });
      assert.equal(during.statusCode, 409, "not while the first deletion runs");
      assert.equal(during.json().code, "INVALID_STATE");
      // The first deletion failed (a cloud it could not reach): the cluster stays DELETING.
      await t.testDb.database.db
        .update(operations)
        .set({ status: "FAILED" })
        .where(eq(operations.id, first.json().operation.id));
      const operator = await t.app.server.inject({
        method: "DELETE",
        url: `${url}?abandon=true`,
        headers: t.auth(t.operator),
      });
      assert.equal(operator.statusCode, 403);
      const again = await t.app.server.inject({
        method: "DELETE",
        url: `${url}?abandon=true`,
        headers: t.auth(t.admin),
      });
      assert.equal(again.statusCode, 202, again.body);
      assert.equal(again.json().cluster.state, "DELETING");
      assert.deepEqual(again.json().operation.input, { purge: false, abandon: true });
      assert.notEqual(again.json().operation.id, first.json().operation.id);
    });

    it("replays a POST with the same Idempotency-Key and refuses the key with another body", async () => {
      const headers = { "idempotency-key": "create-idem-1" };
      const first = await create("idem", t.admin, headers);
      const second = await create("idem", t.admin, headers);
      assert.equal(first.statusCode, 202);
      assert.equal(second.statusCode, 202);
      assert.equal(second.headers["idempotent-replayed"], "true");
      assert.equal(second.json().cluster.id, first.json().cluster.id);
      const other = await create("idem-other", t.admin, headers);
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().code, "IDEMPOTENCY_KEY_REUSED");
      const list = (
        await t.app.server.inject({ method: "GET", url: "/v1/clusters?limit=500", headers: t.auth(t.admin) })
      ).json();
      assert.equal(list.items.filter((c: { name: string }) => c.name.startsWith("idem")).length, 1);
    });

    it("answers a concurrent repeat of an unfinished Idempotency-Key with 409 or the stored answer", async () => {
      const headers = { "idempotency-key": "create-idem-race" };
      const answers = await Promise.all([create("race", t.admin, headers), create("race", t.admin, headers)]);
      const codes = answers.map((a) => a.statusCode).sort();
      assert.ok(
        JSON.stringify(codes) === "[202,202]" || JSON.stringify(codes) === "[202,409]",
        `got ${codes}`,
      );
      for (const a of answers)
        if (a.statusCode === 409) assert.equal(a.json().code, "IDEMPOTENCY_IN_PROGRESS");
      const list = (
        await t.app.server.inject({ method: "GET", url: "/v1/clusters?limit=500", headers: t.auth(t.admin) })
      ).json();
      assert.equal(list.items.filter((c: { name: string }) => c.name === "race").length, 1);
    });

    it("enforces scopes: a viewer reads, an operator cannot create tokens, nothing is written", async () => {
      assert.equal(
        (await t.app.server.inject({ method: "GET", url: "/v1/clusters", headers: t.auth(t.viewer) }))
          .statusCode,
        200,
      );
      const viewerCreate = await create("viewer-made", t.viewer);
      assert.equal(viewerCreate.statusCode, 403);
      assert.equal(viewerCreate.json().code, "FORBIDDEN");
      const operatorToken = await t.app.server.inject({
        method: "POST",
        url: "/v1/tokens",
        headers: t.auth(t.operator),
        payload: { name: "x", scope: "admin" },
      });
      assert.equal(operatorToken.statusCode, 403);
      const names = (
        await t.app.server.inject({ method: "GET", url: "/v1/clusters?limit=500", headers: t.auth(t.admin) })
      )
        .json()
        .items.map((c: { name: string }) => c.name);
      assert.ok(!names.includes("viewer-made"));
    });

    it("revokes a token: the next call with it is refused", async () => {
      const made = (
        await t.app.server.inject({
          method: "POST",
          url: "/v1/tokens",
          headers: t.auth(t.admin),
          payload: { name: "tmp", scope: "viewer" },
        })
      ).json();
      assert.equal(
        (await t.app.server.inject({ method: "GET", url: "/v1/clusters", headers: t.auth(made.secret) }))
          .statusCode,
        200,
      );
      await t.app.server.inject({
        method: "DELETE",
        url: `/v1/tokens/${made.token.id}`,
        headers: t.auth(t.admin),
      });
      const refused = await t.app.server.inject({
        method: "GET",
        url: "/v1/clusters",
        headers: t.auth(made.secret),
      });
      assert.equal(refused.statusCode, 401);
    });
  });
}
