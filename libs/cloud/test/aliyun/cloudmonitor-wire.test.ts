// The aliyun provider's networkRates through the real CloudMonitor client (@alicloud/cms20190101 on
// @alicloud/openapi-client), against a local server: each request is DescribeMetricList 2019-01-01 with the
// documented parameters (Namespace acs_ecs_dashboard, IntranetInRate/IntranetOutRate, Period, StartTime,
// EndTime, Dimensions as a JSON array, Length, NextToken), signed ACS3-HMAC-SHA256 (verified with the test's
// secret); answers (pages, bits/s averages, Success=false in a 200, a throttling error) become rates or errors.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Cms from "@alicloud/cms20190101";
import * as $OpenApi from "@alicloud/openapi-client";
import { aliyunNetworkRates } from "../../src/aliyun/aliyun-metrics.ts";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import {
  acs3Problem,
  type CaptureServer,
  captureServer,
  queryOf,
  type ReceivedRequest,
  type ScriptedAnswer,
} from "../fixtures/signed-request-server.ts";

const KEY_ID = "LTAI-test";
const SECRET = "test-secret";
const NOW = Date.parse("2026-01-05T10:07:30Z");

const json = (body: unknown, status = 200): ScriptedAnswer => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("CloudMonitor DescribeMetricList on the wire", () => {
  let server: CaptureServer;
  let answer: (r: ReceivedRequest) => ScriptedAnswer;
  let cms: InstanceType<typeof Cms.default>;

  before(async () => {
    server = await captureServer((r) => answer(r));
    cms = new Cms.default(
      new $OpenApi.Config({
        accessKeyId: KEY_ID,
        accessKeySecret: SECRET,
        regionId: "cn-hangzhou",
        endpoint: server.host,
        protocol: "http",
      }),
    );
  });
  after(() => server.close());

  it("sends the documented parameters, signed, and averages bits/s over pages into bytes/s", async () => {
    server.received.length = 0;
    answer = (r) => {
      const q = queryOf(r);
      const inbound = q.MetricName === "IntranetInRate";
      const base = inbound ? 8_000 : 1_600;
      if (!q.NextToken) {
        return json({
          Code: "200",
          Success: true,
          NextToken: "more",
          Datapoints: JSON.stringify([
            { timestamp: NOW - 120_000, instanceId: "i-1", Average: base, Maximum: base * 2 },
            { timestamp: NOW - 120_000, instanceId: "i-2", Average: 800 },
          ]),
          RequestId: "r1",
        });
      }
      return json({
        Code: "200",
        Success: true,
        Datapoints: JSON.stringify([{ timestamp: NOW - 60_000, instanceId: "i-1", Average: base * 3 }]),
        RequestId: "r2",
      });
    };
    const rates = await aliyunNetworkRates(cms, ["i-1", "i-2", "i-3"], 120, NOW);

    assert.equal(server.received.length, 4, "in and out, two pages each");
    for (const r of server.received) {
      assert.equal(r.headers["x-acs-action"], "DescribeMetricList");
      assert.equal(r.headers["x-acs-version"], "2019-01-01");
      assert.equal(acs3Problem(r, KEY_ID, SECRET), undefined);
      assert.equal(acs3Problem(r, KEY_ID, `${SECRET}x`), "ACS3 signature does not verify");
      const q = queryOf(r);
      assert.deepEqual(
        {
          Namespace: q.Namespace,
          Period: q.Period,
          StartTime: q.StartTime,
          EndTime: q.EndTime,
          Length: q.Length,
          Dimensions: JSON.parse(q.Dimensions!),
        },
        {
          Namespace: "acs_ecs_dashboard",
          Period: "60",
          StartTime: String(NOW - 120_000),
          EndTime: String(NOW),
          Length: "1000",
          Dimensions: [{ instanceId: "i-1" }, { instanceId: "i-2" }, { instanceId: "i-3" }],
        },
      );
    }
    assert.deepEqual(
      server.received.map((r) => `${queryOf(r).MetricName}:${queryOf(r).NextToken ?? ""}`).sort(),
      ["IntranetInRate:", "IntranetInRate:more", "IntranetOutRate:", "IntranetOutRate:more"],
    );
    const byId = new Map(rates.map((r) => [r.instanceId, r]));
    // i-1: in (8,000 + 24,000) / 2 = 16,000 bit/s = 2,000 B/s; out (1,600 + 4,800) / 2 / 8 = 400 B/s
    assert.deepEqual([byId.get("i-1")?.inBytesPerSecond, byId.get("i-1")?.outBytesPerSecond], [2_000, 400]);
    assert.deepEqual([byId.get("i-2")?.inBytesPerSecond, byId.get("i-2")?.outBytesPerSecond], [100, 100]);
    assert.equal(byId.has("i-3"), false, "no datapoints: left out");
    assert.deepEqual([byId.get("i-1")!.from.getTime(), byId.get("i-1")!.to.getTime()], [NOW - 120_000, NOW]);
  });

  it("Success=false in a 200 answer is CLOUD_METRICS_UNAVAILABLE, naming the code", async () => {
    answer = () => json({ Code: "403", Success: false, Message: "no permission", RequestId: "r" });
    await assert.rejects(aliyunNetworkRates(cms, ["i-1"], 60, NOW), (error) => {
      assert.ok(isCloudError(error, CloudErrorCode.METRICS_UNAVAILABLE), String(error));
      assert.match(String((error as Error).message), /403: no permission/);
      return true;
    });
  });

  it("unparsable datapoints are CLOUD_METRICS_UNAVAILABLE, not a crash", async () => {
    answer = () => json({ Code: "200", Success: true, Datapoints: "[{not json", RequestId: "r" });
    await assert.rejects(aliyunNetworkRates(cms, ["i-1"], 60, NOW), (error) =>
      isCloudError(error, CloudErrorCode.METRICS_UNAVAILABLE),
    );
  });

  it("a throttled call is a retriable CLOUD_THROTTLED error", async () => {
    answer = () =>
      json(
        { Code: "Throttling.User", Message: "Request was denied due to user flow control.", RequestId: "r" },
        400,
      );
    await assert.rejects(aliyunNetworkRates(cms, ["i-1"], 60, NOW), (error) => {
      assert.ok(isCloudError(error, CloudErrorCode.THROTTLED), String(error));
      assert.equal((error as { retriable: boolean }).retriable, true);
      return true;
    });
  });
});
