import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestToken } from "../src/managed/request-token.ts";

describe("requestToken", () => {
  it("is the same for the same request whatever its key order, and differs when anything differs", () => {
    const a = requestToken("lt", { Name: "f", Data: { UserData: "x", ImageId: "ami-1" }, Skip: undefined });
    const b = requestToken("lt", { Data: { ImageId: "ami-1", UserData: "x" }, Name: "f" });
    assert.equal(a, b);
    assert.notEqual(a, requestToken("lt", { Name: "f", Data: { UserData: "y", ImageId: "ami-1" } }));
    assert.notEqual(a, requestToken("sg", { Name: "f", Data: { UserData: "x", ImageId: "ami-1" } }));
    assert.match(a, /^lt-[0-9a-f]{40}$/);
    assert.ok(a.length <= 64, "the clouds' ClientToken limit");
  });
});
