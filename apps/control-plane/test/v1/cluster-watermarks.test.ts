// The cluster API's scaling watermarks: each one in bytes/s or as a percent of the brokers' network capacity,
// exactly one form each, low below high whenever the spec alone can compare them; refusals are problem+json
// 400s naming the field.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

const { highWatermarkBytesPerSec: _h, lowWatermarkBytesPerSec: _l, ...timing } = localSpec.scaling;

describe("cluster scaling watermarks", { timeout: 120_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp("pglite");
  });
  after(() => t.close());

  let n = 0;
  const post = (scaling: Record<string, unknown>, more: Record<string, unknown> = {}) =>
    t.app.server.inject({
      method: "POST",
      url: "/v1/clusters",
      headers: t.auth(t.admin),
      payload: { name: `wm-${++n}`, spec: { ...localSpec, scaling: { ...timing, ...scaling }, ...more } },
    });

  it("accepts percent watermarks, alone or next to a bytes/s one, and gives them back", async () => {
    const made = await post({ highWatermarkPercent: 70, lowWatermarkPercent: 20.5 });
    assert.equal(made.statusCode, 202, made.body);
    const id = made.json().cluster.id;
    const read = await t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${id}`,
      headers: t.auth(t.admin),
    });
    assert.deepEqual(read.json().spec.scaling, {
      ...timing,
      highWatermarkPercent: 70,
      lowWatermarkPercent: 20.5,
    });
    const mixed = await post({ highWatermarkPercent: 70, lowWatermarkBytesPerSec: 1_000_000 });
    assert.equal(mixed.statusCode, 202, mixed.body);
    // the absolute form as before
    assert.equal((await post({ highWatermarkBytesPerSec: 2, lowWatermarkBytesPerSec: 1 })).statusCode, 202);
  });

  it("refuses what leaves a watermark without exactly one form, or no band, naming the field", async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
      [
        { highWatermarkPercent: 70, highWatermarkBytesPerSec: 5, lowWatermarkPercent: 10 },
        {},
        /spec\.scaling\.highWatermarkBytesPerSec and spec\.scaling\.highWatermarkPercent: give exactly one/,
      ],
      [
        { highWatermarkPercent: 70, lowWatermarkBytesPerSec: 5, lowWatermarkPercent: 10 },
        {},
        /spec\.scaling\.lowWatermarkBytesPerSec and spec\.scaling\.lowWatermarkPercent: give exactly one/,
      ],
      [
        { lowWatermarkPercent: 10 },
        {},
        /spec\.scaling\.highWatermarkBytesPerSec or spec\.scaling\.highWatermarkPercent is required/,
      ],
      [
        { highWatermarkPercent: 10 },
        {},
        /spec\.scaling\.lowWatermarkBytesPerSec or spec\.scaling\.lowWatermarkPercent is required/,
      ],
      [
        { highWatermarkPercent: 30, lowWatermarkPercent: 30 },
        {},
        /spec\.scaling\.lowWatermarkPercent must be below the high watermark/,
      ],
      [
        { highWatermarkBytesPerSec: 10, lowWatermarkBytesPerSec: 20 },
        {},
        /spec\.scaling\.lowWatermarkBytesPerSec must be below the high watermark/,
      ],
      // 50% of 10 MB/s is 5 MB/s: below the 6 MB/s low watermark
      [
        { highWatermarkPercent: 50, lowWatermarkBytesPerSec: 6_000_000 },
        { balancing: { brokerNetworkBytesPerSec: 10_000_000 } },
        /spec\.scaling\.lowWatermarkBytesPerSec must be below the high watermark/,
      ],
      [
        { highWatermarkBytesPerSec: 4_000_000, lowWatermarkPercent: 40 },
        { balancing: { brokerNetworkBytesPerSec: 10_000_000 } },
        /spec\.scaling\.lowWatermarkPercent must be below the high watermark/,
      ],
      [{ highWatermarkPercent: 201, lowWatermarkPercent: 10 }, {}, /highWatermarkPercent/],
      [{ highWatermarkPercent: 0, lowWatermarkPercent: 0 }, {}, /highWatermarkPercent/],
      [{ highWatermarkPercent: 50, lowWatermarkPercent: -1 }, {}, /lowWatermarkPercent/],
    ];
    for (const [scaling, more, message] of cases) {
      const response = await post(scaling, more);
      assert.equal(response.statusCode, 400, JSON.stringify(scaling));
      assert.match(String(response.headers["content-type"]), /application\/problem\+json/);
      assert.match(JSON.stringify(response.json()), message);
    }
  });

  it("checks an update's watermarks as a creation's", async () => {
    const made = await post({ highWatermarkPercent: 70, lowWatermarkPercent: 20 });
    const { id, version, spec } = made.json().cluster;
    const update = (scaling: Record<string, unknown>) =>
      t.app.server.inject({
        method: "PATCH",
        url: `/v1/clusters/${id}`,
        headers: t.auth(t.admin),
        payload: { version, spec: { ...spec, scaling: { ...timing, ...scaling } } },
      });
    const bad = await update({ highWatermarkPercent: 20, lowWatermarkPercent: 70 });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /spec\.scaling\.lowWatermarkPercent must be below the high watermark/);
  });
});
