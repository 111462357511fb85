import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { essActions } from "./aliyun-calls.ts";
import { commandsConstructed, sdkCalls } from "./aws-sdk-calls.ts";
import { iamActionOf, needsPermission } from "./iam-actions.ts";
import { commandsByStoreMethod, storeMethodsCalled } from "./object-store-calls.ts";

const file = (text: string) => ({ path: "x.ts", text });

describe("code scans", () => {
  it("count a command only when it is imported as a value and constructed", () => {
    const source = file(`import {
  type DescribeVolumesCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
const a = new CreateVolumeCommand({});`);
    assert.deepEqual(commandsConstructed(source), [
      { packageName: "@aws-sdk/client-ec2", command: "CreateVolumeCommand" },
    ]);
  });

  it("name a command by the SDK's operation schema, and refuse one the package does not export", () => {
    const [call] = sdkCalls([
      file(
        `import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";\nnew GetMetricDataCommand({});`,
      ),
    ]);
    assert.deepEqual([call?.service, call?.operation], ["cloudwatch", "GetMetricData"]);
    assert.throws(
      () => sdkCalls([file(`import { NoSuchCommand } from "@aws-sdk/client-ec2";\nnew NoSuchCommand({});`)]),
      /exports no NoSuchCommand/,
    );
  });

  it("follow private helpers from an object-store method to the commands they send", () => {
    const store = file(`export class S3ObjectStore {
  async put(key: string) {
    if (big) return this.#putMultipart(key);
    await this.#send(key, () => this.#client.send(new PutObjectCommand({})));
  }
  async list(prefix: string) {
    await this.#send(prefix, () => this.#client.send(new ListObjectsV2Command({})));
  }
  async #putMultipart(key: string) {
    await this.#client.send(new CreateMultipartUploadCommand({}));
  }
  async #send<T>(key: string, request: () => Promise<T>) {
    return request();
  }
}`);
    const byMethod = commandsByStoreMethod(store);
    assert.deepEqual([...(byMethod.get("put") ?? [])].sort(), ["CreateMultipartUpload", "PutObject"]);
    assert.deepEqual([...(byMethod.get("list") ?? [])], ["ListObjectsV2"]);
    assert.ok(!byMethod.has("#putMultipart"));
  });

  it("find the store methods called on a store opened with openObjectStore", () => {
    const source = file(
      `const store = openObjectStore(uri);\nawait store.list("a/");\nawait store.delete(keys);\nother.get();`,
    );
    assert.deepEqual([...storeMethodsCalled(source)].sort(), ["delete", "list"]);
  });

  it("skip only the calls IAM does not check, and refuse a service not checked yet", () => {
    assert.equal(needsPermission({ service: "sts", operation: "GetCallerIdentity" }), false);
    assert.equal(needsPermission({ service: "sts", operation: "AssumeRole" }), true);
    assert.equal(needsPermission({ service: "ec2", operation: "RunInstances" }), true);
    assert.throws(() => iamActionOf({ service: "sts", operation: "AssumeRole" }), /not checked yet/);
  });

  it("find ESS actions however the call is laid out", () => {
    const source = file(`await this.#ess.call("A", {});
await this.#ess.call<{ X?: { Y?: Z[] } }>(
  "B", {});
await this.#ess
  .call(
    "C",
  );`);
    assert.deepEqual([...essActions([source])].sort(), ["A", "B", "C"]);
  });
});
