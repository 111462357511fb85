import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { HotCounter, HotHistogram } from "../../src/metrics/hot-metrics.ts";

test("a counter cell resolved once adds up, and renders with the default labels first", async () => {
  const registry = new Registry();
  registry.setDefaultLabels({ instance: "b1" });
  const counter = new HotCounter({ registry, defaultLabels: { instance: "b1" }, name: "x_total", help: "x" });
  const cell = counter.cell({ topic: "t", partition: "3" });
  cell.value += 5;
  cell.value += 7;
  assert.equal(counter.cell({ partition: "3", topic: "t" }), cell, "the same label set gives the same cell");
  counter.inc({ topic: "u", partition: "0" }, 2);
  const text = await registry.metrics();
  assert.match(text, /^# TYPE x_total counter$/m);
  assert.match(text, /^x_total\{instance="b1",topic="t",partition="3"\} 12$/m);
  assert.match(text, /^x_total\{instance="b1",topic="u",partition="0"\} 2$/m);
});

test("an unlabelled counter shows 0 before its first increment; a labelled one shows nothing", async () => {
  const registry = new Registry();
  new HotCounter({ registry, defaultLabels: {}, name: "bare_total", help: "b", unlabelled: true });
  new HotCounter({ registry, defaultLabels: {}, name: "labelled_total", help: "l" });
  const text = await registry.metrics();
  assert.match(text, /^bare_total 0$/m);
  assert.doesNotMatch(text, /^labelled_total/m);
});

test("a histogram renders cumulative buckets, +Inf, sum and count; values above every bound count only in +Inf", async () => {
  const registry = new Registry();
  const histogram = new HotHistogram({
    registry,
    defaultLabels: {},
    name: "lat_seconds",
    help: "l",
    buckets: [0.01, 0.001, 0.1],
  });
  const cell = histogram.cell({ api: "Produce" });
  for (const v of [0.0005, 0.001, 0.005, 0.05, 2]) cell.observe(v);
  histogram.observe({ api: "Fetch" }, 0.2);
  const text = await registry.metrics();
  assert.match(text, /^lat_seconds_bucket\{api="Produce",le="0.001"\} 2$/m);
  assert.match(text, /^lat_seconds_bucket\{api="Produce",le="0.01"\} 3$/m);
  assert.match(text, /^lat_seconds_bucket\{api="Produce",le="0.1"\} 4$/m);
  assert.match(text, /^lat_seconds_bucket\{api="Produce",le="\+Inf"\} 5$/m);
  assert.match(text, /^lat_seconds_count\{api="Produce"\} 5$/m);
  assert.match(text, /^lat_seconds_sum\{api="Produce"\} 2.0565$/m);
  assert.match(text, /^lat_seconds_bucket\{api="Fetch",le="0.1"\} 0$/m);
  registry.resetMetrics();
  assert.doesNotMatch(await registry.metrics(), /lat_seconds_count/);
});
