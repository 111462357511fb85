import assert from "node:assert/strict";
import { test } from "node:test";
import { validateFleetSpec } from "@cirrus/cloud";
import {
  capacityDrifted,
  fleetNameOf,
  fleetSpecOf,
  fleetUpdateOf,
  onDemandPercentOf,
} from "../../../src/controllers/provisioner/cluster-fleet.ts";
import { localSpec } from "./provisioner-kit.ts";

const ID = "0b8f2a57-62a1-4c55-9d36-7a1f3e0c9b11";
const launch = { command: "node", args: ["main.ts"], env: {} };

test("the fleet of a spec starts at brokers.min and passes the providers' own validation", () => {
  const spec = localSpec({ brokers: { min: 3, max: 9 }, spot: { share: 0.75, onDemandBase: 1 } });
  const fleet = fleetSpecOf(ID, spec, launch);
  validateFleetSpec(fleet);
  assert.equal(fleet.name, `cirrus-${ID}`);
  assert.ok(fleet.name.length <= 64);
  assert.deepEqual([fleet.minSize, fleet.maxSize, fleet.desiredCapacity], [3, 9, 3]);
  assert.equal(fleet.onDemandBaseCapacity, 1);
  assert.equal(fleet.onDemandPercentageAboveBase, 25);
  assert.equal(fleet.capacityRebalance, true);
  assert.equal(fleet.terminationHook, undefined, "local brokers stop on SIGTERM, no hook");
  assert.ok(fleetSpecOf(ID, { ...spec, provider: "aws" }, launch).terminationHook);
});

test("spot share maps to the on-demand percentage above the base", () => {
  assert.equal(onDemandPercentOf(0), 100);
  assert.equal(onDemandPercentOf(1), 0);
  assert.equal(onDemandPercentOf(1 / 3), 67);
});

test("an update clamps the desired count into the new bounds and keeps it otherwise", () => {
  assert.equal(fleetUpdateOf(localSpec({ brokers: { min: 4, max: 6 } }), 2).desiredCapacity, 4);
  assert.equal(fleetUpdateOf(localSpec({ brokers: { min: 1, max: 2 } }), 5).desiredCapacity, 2);
  assert.equal(fleetUpdateOf(localSpec({ brokers: { min: 1, max: 8 } }), 5).desiredCapacity, 5);
});

test("capacity drift is a bound that differs or a desired count outside the bounds", () => {
  const spec = localSpec({ brokers: { min: 2, max: 4 } });
  assert.equal(capacityDrifted({ minSize: 2, maxSize: 4, desiredCapacity: 3 }, spec), false);
  assert.equal(capacityDrifted({ minSize: 0, maxSize: 4, desiredCapacity: 2 }, spec), true);
  assert.equal(capacityDrifted({ minSize: 2, maxSize: 4, desiredCapacity: 0 }, spec), true);
  assert.equal(fleetNameOf(ID), `cirrus-${ID}`);
});
