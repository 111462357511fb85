import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BROKER_NODE_FLAGS,
  brokerLaunchSpec,
  brokerObjectStoreUri,
} from "../../../src/controllers/provisioner/broker-launch.ts";
import { localSpec } from "./provisioner-kit.ts";

test("local brokers run this Node through the volume-waiting entry, with the cluster's settings", () => {
  const spec = localSpec({ objectStore: { uri: "file:///srv/objects" } });
  const launch = brokerLaunchSpec("c1", spec, "secret-token", {
    controlPlaneUrl: "http://127.0.0.1:8080",
    env: { CIRRUS_EXTRA: "x" },
  });
  assert.equal(launch.command, process.execPath);
  assert.match(launch.args.at(-1)!, /local-broker-entry\.ts$/);
  assert.deepEqual(launch.args.slice(0, -1), BROKER_NODE_FLAGS, "V8 settings come before the entry");
  assert.equal(launch.env.CIRRUS_CLUSTER_ID, "c1");
  assert.equal(launch.env.CIRRUS_BROKER_TOKEN, "secret-token");
  assert.equal(launch.env.CIRRUS_CONTROL_PLANE_URL, "http://127.0.0.1:8080");
  assert.equal(launch.env.CIRRUS_OBJECT_STORE, "file:///srv/objects");
  assert.equal(launch.env.CIRRUS_KAFKA_HOST, "127.0.0.1");
  assert.equal(launch.env.CIRRUS_EXTRA, "x");
  assert.match(launch.env.CIRRUS_BROKER_ENTRY!, /apps\/broker\/src\/main\.ts$/);
});

test("cloud brokers run the image's command; the extra env cannot override the cluster's settings", () => {
  const launch = brokerLaunchSpec("c1", localSpec({ provider: "aws" }), undefined, {
    controlPlaneUrl: "https://cp.example",
    env: { CIRRUS_CLUSTER_ID: "other" },
  });
  assert.equal(launch.command, "node");
  assert.deepEqual(launch.args, [...BROKER_NODE_FLAGS, "/opt/cirrus/apps/broker/src/main.ts"]);
  assert.equal(launch.cwd, "/opt/cirrus");
  assert.equal(launch.env.CIRRUS_CLUSTER_ID, "c1");
  assert.equal(launch.env.CIRRUS_BROKER_ENTRY, undefined);
});

test("cloud brokers on a stock image boot the bundle this control plane serves; an image command wins", () => {
  const sha256 = "a".repeat(64);
  const launch = brokerLaunchSpec("c1", localSpec({ provider: "aliyun" }), undefined, {
    controlPlaneUrl: "http://10.0.0.5:8080",
    bundle: { sha256, attempts: 5 },
  });
  assert.equal(launch.command, "bin/cirrus-broker", "relative: the launcher inside the unpacked bundle");
  assert.deepEqual(launch.args, BROKER_NODE_FLAGS);
  assert.equal(launch.cwd, undefined);
  assert.deepEqual(launch.bundle, {
    url: `http://10.0.0.5:8080/internal/v1/broker-bundle/${sha256}`,
    sha256,
    attempts: 5,
  });
  assert.equal(launch.env.CIRRUS_NODE_IDENTITY, "aliyun");
  const own = brokerLaunchSpec("c1", localSpec({ provider: "aws" }), undefined, {
    controlPlaneUrl: "http://10.0.0.5:8080",
    bundle: { sha256 },
    cloudCommand: { command: "/usr/local/bin/cirrus-broker", args: [] },
  });
  assert.equal(own.command, "/usr/local/bin/cirrus-broker");
  assert.equal(own.bundle, undefined);
});

test("cloud brokers get no secret: their instance identity stands in for the token", () => {
  for (const provider of ["aws", "aliyun"] as const) {
    const launch = brokerLaunchSpec("c1", localSpec({ provider }), undefined, {
      controlPlaneUrl: "https://cp.example",
      env: { CIRRUS_BROKER_TOKEN: "leaked", CIRRUS_BROKER_TOKEN_FILE: "/etc/token" },
    });
    assert.equal(launch.env.CIRRUS_NODE_IDENTITY, provider);
    assert.equal(launch.env.CIRRUS_BROKER_TOKEN, undefined, "not even from the extra env");
    assert.equal(launch.env.CIRRUS_BROKER_TOKEN_FILE, undefined);
  }
  assert.throws(
    () => brokerLaunchSpec("c1", localSpec({ provider: "aws" }), "t", { controlPlaneUrl: "https://cp" }),
    /broker launch on aws: must not carry a broker token/,
  );
  assert.throws(
    () => brokerLaunchSpec("c1", localSpec(), undefined, { controlPlaneUrl: "http://127.0.0.1:8080" }),
    /broker launch on local: needs the cluster's broker token/,
  );
  const local = brokerLaunchSpec("c1", localSpec(), "t", { controlPlaneUrl: "http://127.0.0.1:8080" });
  assert.equal(local.env.CIRRUS_NODE_IDENTITY, undefined, "local brokers keep their token");
});

test("object store URIs: relative file paths become absolute, s3 endpoint and region ride along", () => {
  assert.equal(
    brokerObjectStoreUri({ uri: "file://./data/objects" }, "/home/me"),
    "file:///home/me/data/objects",
  );
  assert.equal(brokerObjectStoreUri({ uri: "file:///abs" }, "/home/me"), "file:///abs");
  assert.equal(brokerObjectStoreUri({ uri: "mem://x" }), "mem://x");
  const s3 = new URL(
    brokerObjectStoreUri({
      uri: "s3://bucket/prefix",
      endpoint: "http://127.0.0.1:9000",
      region: "us-east-1",
    }),
  );
  assert.equal(s3.searchParams.get("endpoint"), "http://127.0.0.1:9000");
  assert.equal(s3.searchParams.get("region"), "us-east-1");
  const kept = new URL(brokerObjectStoreUri({ uri: "s3://b/p?region=eu-west-1", region: "us-east-1" }));
  assert.equal(kept.searchParams.get("region"), "eu-west-1", "the URI's own parameters win");
});
