import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CloudErrorCode, isCloudError } from "../src/errors.ts";
import { onDemandTarget, validateFleetSpec } from "../src/fleet-spec.ts";
import type { FleetSpec } from "../src/provider.ts";

const base: FleetSpec = {
  name: "f-1",
  minSize: 0,
  maxSize: 3,
  desiredCapacity: 1,
  zones: ["z"],
  instanceTypes: ["t"],
  onDemandBaseCapacity: 0,
  onDemandPercentageAboveBase: 50,
  capacityRebalance: false,
  launch: { command: "broker", args: [], env: {} },
};

describe("fleet spec", () => {
  it("counts on-demand instances: the base, then the share above it rounded down", () => {
    assert.equal(onDemandTarget(3, 1, 0), 1);
    assert.equal(onDemandTarget(5, 1, 50), 3);
    assert.equal(onDemandTarget(0, 2, 100), 0);
    assert.equal(onDemandTarget(4, 0, 25), 1);
    assert.equal(onDemandTarget(4, 0, 100), 4);
  });

  it("accepts a good spec and rejects each kind of bad one with a typed error", () => {
    validateFleetSpec(base);
    const bad: [Partial<FleetSpec>, string][] = [
      [{ name: "" }, CloudErrorCode.INVALID_ARGUMENT],
      [{ name: "has space" }, CloudErrorCode.INVALID_ARGUMENT],
      [{ minSize: -1 }, CloudErrorCode.INVALID_ARGUMENT],
      [{ maxSize: 1.5 }, CloudErrorCode.INVALID_ARGUMENT],
      [{ desiredCapacity: 9 }, CloudErrorCode.CAPACITY_OUT_OF_RANGE],
      [{ onDemandPercentageAboveBase: 101 }, CloudErrorCode.INVALID_ARGUMENT],
      [{ zones: [] }, CloudErrorCode.INVALID_ARGUMENT],
      [{ instanceTypes: [] }, CloudErrorCode.INVALID_ARGUMENT],
      [{ launch: { command: "", args: [], env: {} } }, CloudErrorCode.INVALID_ARGUMENT],
      [
        { terminationHook: { heartbeatTimeoutSeconds: 0, defaultResult: "CONTINUE" } },
        CloudErrorCode.INVALID_ARGUMENT,
      ],
    ];
    for (const [patch, code] of bad) {
      assert.throws(
        () => validateFleetSpec({ ...base, ...patch }),
        (e) => isCloudError(e) && e.code === code,
        JSON.stringify(patch),
      );
    }
  });
});
