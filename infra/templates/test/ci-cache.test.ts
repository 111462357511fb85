import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { skipUnlessInstalled } from "./ci-cache.ts";

describe("skipUnlessInstalled", () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it("runs the tests when the tool is installed, under CI or not", () => {
    process.env.CI = "true";
    assert.equal(skipUnlessInstalled(true, "cfn-lint", "install-cfn-lint.sh"), false);
    delete process.env.CI;
    assert.equal(skipUnlessInstalled(true, "cfn-lint", "install-cfn-lint.sh"), false);
  });

  it("skips outside CI, naming the script to run", () => {
    delete process.env.CI;
    assert.equal(
      skipUnlessInstalled(false, "cfn-lint", "install-cfn-lint.sh"),
      "cfn-lint not installed: bash .ci/install-cfn-lint.sh",
    );
    process.env.CI = "false";
    assert.match(String(skipUnlessInstalled(false, "cfn-lint", "install-cfn-lint.sh")), /not installed/);
  });

  it("fails under CI, naming the script to run", () => {
    process.env.CI = "true";
    assert.throws(
      () => skipUnlessInstalled(false, "ROS definitions", "install-ros-definitions.sh"),
      /ROS definitions missing under CI: run bash \.ci\/install-ros-definitions\.sh/,
    );
  });
});
