import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldOfPointer, localErrors, toRequest, type Values } from "../src/pages/cluster-request.ts";

const values: Values = {
  name: " orders ",
  provider: "local",
  region: "local",
  zones: "local-a, local-b,,local-c ",
  instanceTypes: "local",
  brokersMin: "3",
  brokersMax: "6",
  spotShare: "0.5",
  onDemandBase: "1",
  highMBps: "50",
  lowMBps: "5.5",
  cooldownSeconds: "300",
  objectStoreUri: "file:///tmp/o",
  walVolumeGiB: "1",
  deletionProtection: false,
};

describe("cluster create form", () => {
  it("turns the typed values into the API's request", () => {
    const body = toRequest(values);
    assert.equal(body.name, "orders");
    assert.deepEqual(body.spec.zones, ["local-a", "local-b", "local-c"]);
    assert.deepEqual(body.spec.brokers, { min: 3, max: 6 });
    assert.equal(body.spec.scaling.highWatermarkBytesPerSec, 50_000_000);
    assert.equal(body.spec.scaling.lowWatermarkBytesPerSec, 5_500_000);
    assert.equal(body.deletionProtection, false);
  });
  it("sends what is not a number as such, for the API to refuse at that field", () => {
    const body = toRequest({ ...values, brokersMin: "three", walVolumeGiB: "" });
    // JSON has no NaN: it is sent as null, which the API's schema refuses with the field's pointer.
    assert.equal(JSON.parse(JSON.stringify(body)).spec.brokers.min, null);
    assert.equal(JSON.parse(JSON.stringify(body)).spec.walVolumeGiB, null);
  });
  it("places each API pointer at its field, the most specific first", () => {
    assert.equal(fieldOfPointer("/spec/brokers/min"), "brokersMin");
    assert.equal(fieldOfPointer("/spec/brokers"), "brokersMax");
    assert.equal(fieldOfPointer("/spec/zones/1"), "zones");
    assert.equal(fieldOfPointer("/spec/objectStore/uri"), "objectStoreUri");
    assert.equal(fieldOfPointer("/name"), "name");
    assert.equal(fieldOfPointer("/unknown"), undefined);
  });
  it("checks what the API does not: max below min, low watermark not below high", () => {
    assert.deepEqual(localErrors(values), {});
    assert.deepEqual(Object.keys(localErrors({ ...values, brokersMax: "2", lowMBps: "60" })).sort(), [
      "brokersMax",
      "lowMBps",
    ]);
  });
});
