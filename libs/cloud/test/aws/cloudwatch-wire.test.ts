// The aws provider's networkRates through the real CloudWatch client, against a local server: the request the
// SDK puts on the wire (AWS JSON 1.0, X-Amz-Target GetMetricData, SigV4 for "monitoring" verified with the
// test's secret) carries the documented GetMetricData members, and the answers the service gives (pages,
// missing datapoints, a throttling error) become rates or a CloudError.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { awsNetworkRates } from "../../src/aws/aws-metrics.ts";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import {
  type CaptureServer,
  captureServer,
  type ReceivedRequest,
  sigV4Problem,
} from "../fixtures/signed-request-server.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const REGION = "eu-west-1";
const NOW = new Date("2026-01-05T10:07:30Z");
const minute = (m: number) => Date.parse("2026-01-05T10:00:00Z") / 1000 + m * 60;

interface Query {
  Id: string;
  MetricStat: {
    Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
    Period: number;
    Stat: string;
    Unit: string;
  };
  ReturnData: boolean;
}
interface Body {
  MetricDataQueries: Query[];
  StartTime: number;
  EndTime: number;
  NextToken?: string;
  ScanBy: string;
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body.toString("utf8")) as Body;

describe("CloudWatch GetMetricData on the wire", () => {
  let server: CaptureServer;
  let answer: (r: ReceivedRequest) => { status: number; headers?: Record<string, string>; body: string };
  let client: CloudWatchClient;

  before(async () => {
    server = await captureServer((r) => answer(r));
    client = new CloudWatchClient({
      region: REGION,
      endpoint: server.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
      maxAttempts: 1,
    });
  });
  after(async () => {
    client.destroy();
    await server.close();
  });

  it("sends the documented members, signed, and turns per-minute Sums (over two pages) into bytes/s", async () => {
    server.received.length = 0;
    answer = (r) => {
      const page = bodyOf(r).NextToken === "page-2" ? 2 : 1;
      const results =
        page === 1
          ? [
              {
                Id: "in0",
                Label: "NetworkIn",
                Timestamps: [minute(5)],
                Values: [6_000],
                StatusCode: "PartialData",
              },
              {
                Id: "out0",
                Label: "NetworkOut",
                Timestamps: [minute(5)],
                Values: [1_200],
                StatusCode: "PartialData",
              },
            ]
          : [
              {
                Id: "in0",
                Label: "NetworkIn",
                Timestamps: [minute(6)],
                Values: [12_000],
                StatusCode: "Complete",
              },
              {
                Id: "out0",
                Label: "NetworkOut",
                Timestamps: [minute(6)],
                Values: [2_400],
                StatusCode: "Complete",
              },
              { Id: "in1", Label: "NetworkIn", Timestamps: [], Values: [], StatusCode: "Complete" },
              { Id: "out1", Label: "NetworkOut", Timestamps: [], Values: [], StatusCode: "Complete" },
            ];
      return {
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.0" },
        body: JSON.stringify({ MetricDataResults: results, ...(page === 1 ? { NextToken: "page-2" } : {}) }),
      };
    };
    const rates = await awsNetworkRates(client, ["i-busy", "i-new"], 120, NOW);

    assert.equal(server.received.length, 2, "two pages");
    for (const r of server.received) {
      assert.equal(r.method, "POST");
      assert.equal(r.headers["x-amz-target"], "GraniteServiceVersion20100801.GetMetricData");
      assert.equal(r.headers["content-type"], "application/x-amz-json-1.0");
      assert.equal(sigV4Problem(r, SECRET, REGION, "monitoring"), undefined);
      assert.equal(sigV4Problem(r, `${SECRET}x`, REGION, "monitoring"), "SigV4 signature does not verify");
    }
    const [first, second] = server.received.map(bodyOf);
    assert.equal(first!.NextToken, undefined);
    assert.equal(second!.NextToken, "page-2");
    // the window, rounded up to whole minutes and ending after the current minute
    assert.deepEqual([first!.StartTime, first!.EndTime], [minute(6), minute(8)]);
    assert.equal(first!.ScanBy, "TimestampAscending");
    assert.deepEqual(first!.MetricDataQueries[0], {
      Id: "in0",
      MetricStat: {
        Metric: {
          Namespace: "AWS/EC2",
          MetricName: "NetworkIn",
          Dimensions: [{ Name: "InstanceId", Value: "i-busy" }],
        },
        Period: 60,
        Stat: "Sum",
        Unit: "Bytes",
      },
      ReturnData: true,
    });
    assert.deepEqual(
      first!.MetricDataQueries.map(
        (q) => `${q.Id}:${q.MetricStat.Metric.MetricName}:${q.MetricStat.Metric.Dimensions[0]!.Value}`,
      ),
      ["in0:NetworkIn:i-busy", "out0:NetworkOut:i-busy", "in1:NetworkIn:i-new", "out1:NetworkOut:i-new"],
    );
    // 18,000 bytes in over two minutes = 150 B/s; the instance without datapoints is left out
    assert.equal(rates.length, 1);
    assert.deepEqual(
      [rates[0]!.instanceId, rates[0]!.inBytesPerSecond, rates[0]!.outBytesPerSecond],
      ["i-busy", 150, 30],
    );
    assert.deepEqual(
      [rates[0]!.from.getTime(), rates[0]!.to.getTime()],
      [minute(5) * 1000, minute(7) * 1000],
    );
  });

  it("asks at most 500 queries per call: 251 instances are two calls", async () => {
    server.received.length = 0;
    answer = () => ({ status: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: "{}" });
    const ids = Array.from({ length: 251 }, (_, i) => `i-${i}`);
    assert.deepEqual(await awsNetworkRates(client, ids, 60, NOW), []);
    assert.deepEqual(
      server.received.map((r) => bodyOf(r).MetricDataQueries.length),
      [500, 2],
    );
    assert.equal(
      bodyOf(server.received[1]!).MetricDataQueries[0]!.MetricStat.Metric.Dimensions[0]!.Value,
      "i-250",
    );
  });

  it("a throttled call is a retriable CLOUD_THROTTLED error; a bad window is refused before any call", async () => {
    server.received.length = 0;
    answer = () => ({
      status: 400,
      headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": "Throttling;Sender" },
      body: JSON.stringify({ __type: "com.amazonaws.cloudwatch#Throttling", message: "Rate exceeded" }),
    });
    await assert.rejects(awsNetworkRates(client, ["i-1"], 60, NOW), (error) => {
      assert.ok(isCloudError(error, CloudErrorCode.THROTTLED), String(error));
      assert.equal((error as { retriable: boolean }).retriable, true);
      return true;
    });
    server.received.length = 0;
    await assert.rejects(awsNetworkRates(client, ["i-1"], 0, NOW), (error) =>
      isCloudError(error, CloudErrorCode.INVALID_ARGUMENT),
    );
    assert.equal(server.received.length, 0);
  });
});
