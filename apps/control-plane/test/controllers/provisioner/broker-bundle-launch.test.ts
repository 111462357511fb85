// The control plane does not wait for the broker bundle build (main.ts builds it in the background): the API
// serves and local fleets launch at once; a cloud fleet's launch waits for the bundle, and a failed build
// fails that launch with a retriable PROVISIONING_BROKER_BUNDLE_UNAVAILABLE (the next attempt builds again).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { INTERNAL_PREFIX } from "@cirrus/broker-api";
import { AwsProvider } from "@cirrus/cloud";
import { FakeAwsAccount, fakeAwsClients } from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import type { BrokerBundle } from "../../../src/broker-bundle/broker-bundle.ts";
import { buildingBrokerBundle } from "../../../src/broker-bundle/broker-bundle-supply.ts";
import { buildBrokerBundle } from "../../../src/broker-bundle/build-broker-bundle.ts";
import { type CompositionOptions, composeControlPlane } from "../../../src/composition.ts";
import { loadConfig } from "../../../src/config.ts";
import { resolveLaunchBundle } from "../../../src/controllers/provisioner/broker-launch.ts";
import {
  ensureFleet,
  type ProvisionerDeps,
} from "../../../src/controllers/provisioner/cluster-convergence.ts";
import { ProvisioningError } from "../../../src/controllers/provisioner/provisioning-error.ts";
import { clusters } from "../../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { awsSpecOn, localSpec } from "./provisioner-kit.ts";

let dir: string;
let bundle: BrokerBundle;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cirrus-bundle-launch-"));
  const content = Buffer.from("bundle bytes ".repeat(100));
  await writeFile(join(dir, "bundle.tar.gz"), content);
  bundle = {
    path: join(dir, "bundle.tar.gz"),
    sha256: createHash("sha256").update(content).digest("hex"),
    size: content.length,
    manifest: { format: 1, version: "0.1.0", node: "v24.0.0", platform: "linux", arch: "x64", files: {} },
  };
});
after(() => rm(dir, { recursive: true, force: true }));

/** A real build that fails at once: the broker entry does not exist. */
const failingBuild = () =>
  buildBrokerBundle({ brokerEntry: join(dir, "no-such", "src", "main.ts"), cacheDir: join(dir, "cache") });

describe("buildingBrokerBundle", () => {
  it("reports a failed build, then builds again when a launch asks", async () => {
    const failures: unknown[] = [];
    let builds = 0;
    const supply = buildingBrokerBundle(
      async () => {
        builds++;
        if (builds === 1) return failingBuild();
        return bundle;
      },
      { onFailed: (error) => failures.push(error) },
    );
    assert.equal(supply.current(), undefined, "nothing to serve while building");
    await assert.rejects(supply.ready(), /ENOENT|no such file/);
    assert.equal(failures.length, 1, "the failure is reported once");
    assert.equal(supply.current(), undefined);
    assert.equal(await supply.ready(), bundle, "the next ready() built again");
    assert.equal(builds, 2);
    assert.equal(supply.current(), bundle);
    assert.equal(await supply.ready(), bundle);
    assert.equal(builds, 2, "a built bundle is not built again");
  });
});

describe("resolveLaunchBundle", () => {
  const never = () => new Promise<never>(() => {});
  it("never waits for a local fleet, nor for a cloud fleet on an operator's image", async () => {
    const options = { controlPlaneUrl: "http://cp:1", bundleReady: never };
    assert.equal(await resolveLaunchBundle(localSpec(), options), options);
    const onImage = { ...options, cloudCommand: { command: "/opt/broker", args: [] } };
    assert.equal(await resolveLaunchBundle(awsSpecOn(new FakeAwsAccount()), onImage), onImage);
  });

  it("gives a cloud fleet the built bundle's sha256, keeping the boot's retry settings and a getter URL", async () => {
    let url = "http://cp:1";
    const options = {
      get controlPlaneUrl() {
        return url;
      },
      bundle: { sha256: "old", attempts: 7 },
      bundleReady: async () => bundle,
    };
    const resolved = await resolveLaunchBundle(awsSpecOn(new FakeAwsAccount()), options);
    assert.deepEqual(resolved.bundle, { sha256: bundle.sha256, attempts: 7 });
    url = "http://cp:2";
    assert.equal(resolved.controlPlaneUrl, "http://cp:2");
  });
});

describe("a cloud fleet launch while the bundle build fails", () => {
  let testDb: TestDatabase;
  before(async () => {
    testDb = await createTestDatabase("pglite");
  });
  after(() => testDb.drop());

  it("fails retriably, creates nothing in the cloud, and launches once a new build succeeds", async () => {
    const account = new FakeAwsAccount();
    const provider = new AwsProvider({
      region: "us-east-1",
      pollIntervalMs: 50,
      clients: fakeAwsClients(account),
    });
    const id = "6e3f8b21-9d5c-4a4f-8e32-7b8c9d0e1f02";
    const db = testDb.database.db;
    await db.insert(clusters).values({
      id,
      name: "bundle-launch",
      spec: awsSpecOn(account),
      state: "CREATING",
      brokerTokenHash: "hash",
      createdAt: 0,
      updatedAt: 0,
    });
    const [row] = await db.select().from(clusters).where(eq(clusters.id, id));
    let builds = 0;
    const supply = buildingBrokerBundle(async () => (++builds === 1 ? failingBuild() : bundle), {
      onFailed: () => {},
    });
    const deps: ProvisionerDeps = {
      db,
      providers: { providerFor: () => provider, close: () => provider.close() },
      launch: { controlPlaneUrl: "https://cp.example:8443", bundleReady: () => supply.ready() },
      probeKafka: async () => false,
    };
    try {
      const error = await ensureFleet(deps, row!).then(
        () => assert.fail("the launch must fail"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ProvisioningError, String(error));
      assert.equal(error.code, "PROVISIONING_BROKER_BUNDLE_UNAVAILABLE");
      assert.equal(error.retriable, true);
      assert.match(error.message, /broker bundle aws brokers boot from could not be built/);
      assert.equal(account.launchTemplates.size, 0, "nothing created in the cloud");

      const fleet = await ensureFleet(deps, row!); // the operation's next attempt
      assert.equal(fleet.status, "active");
      const userData = [...account.launchTemplates.values()].flatMap((lt) =>
        lt.versions.map((v) => Buffer.from(String(v.UserData ?? ""), "base64").toString()),
      );
      assert.ok(userData.length >= 1);
      for (const script of userData) assert.ok(script.includes(bundle.sha256), "boots from the built bundle");
    } finally {
      await provider.close();
    }
  });
});

/** A whole control plane on an in-memory database, given `options`' bundle (the caller closes it). */
const composedWith = (options: CompositionOptions) =>
  composeControlPlane(
    loadConfig(
      {},
      {
        databaseUrl: "memory://",
        dataDir: join(dir, "cp"),
        port: 0,
        logLevel: "silent",
        reconcileIntervalMs: 50,
      },
    ),
    { env: {}, ...options },
  );

describe("composeControlPlane with a bundle build that fails", () => {
  it("starts and serves anyway; the bundle route answers 404 until a bundle exists", async () => {
    const failures: unknown[] = [];
    const supply = buildingBrokerBundle(failingBuild, { onFailed: (e) => failures.push(e) });
    const composed = await composedWith({ brokerBundleSupply: supply });
    try {
      const url = await composed.listen();
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      await assert.rejects(supply.ready());
      assert.ok(failures.length >= 1, "the failed build was reported");
      const missing = await fetch(`${url}${INTERNAL_PREFIX}/broker-bundle/${bundle.sha256}`);
      assert.equal(missing.status, 404);
    } finally {
      await composed.close();
    }
  });
});

describe("composeControlPlane with a bundle given ready (CIRRUS_BROKER_BUNDLE)", () => {
  it("serves it by its sha256", async () => {
    const composed = await composedWith({ brokerBundle: bundle });
    try {
      // Not listening: no controller runs; only the API answers.
      const served = await composed.controlPlane.app.server.inject({
        method: "GET",
        url: `${INTERNAL_PREFIX}/broker-bundle/${bundle.sha256}`,
      });
      assert.equal(served.statusCode, 200);
      assert.equal(createHash("sha256").update(served.rawPayload).digest("hex"), bundle.sha256);
    } finally {
      await composed.close();
    }
  });
});
