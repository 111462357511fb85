import * as $Cms from "@alicloud/cms20190101";
import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import type { NetworkRate } from "../provider.ts";
import type { CmsApi } from "./aliyun-clients.ts";
import { fromAliyunError } from "./aliyun-errors.ts";

const PERIOD_SECONDS = 60;
/** Dimensions per DescribeMetricList call (CloudMonitor accepts a JSON array of dimension maps). */
const INSTANCES_PER_CALL = 50;
const METRICS = { in: "IntranetInRate", out: "IntranetOutRate" } as const;

interface Datapoint {
  timestamp: number;
  instanceId: string;
  Average: number;
}

/**
 * Private-network in/out rates from CloudMonitor (`acs_ecs_dashboard`, IntranetInRate/IntranetOutRate,
 * bits/s averaged per 60 s) over the window, averaged and turned into bytes/s.
 */
export async function aliyunNetworkRates(
  cms: CmsApi,
  instanceIds: readonly string[],
  windowSeconds: number,
  now = Date.now(),
): Promise<NetworkRate[]> {
  if (!(windowSeconds > 0)) throw invalidArgument("windowSeconds must be positive");
  const end = now;
  const start = end - Math.max(PERIOD_SECONDS, windowSeconds) * 1000;
  const rates: NetworkRate[] = [];
  for (let i = 0; i < instanceIds.length; i += INSTANCES_PER_CALL) {
    const chunk = instanceIds.slice(i, i + INSTANCES_PER_CALL);
    const [inbound, outbound] = await Promise.all([
      fetchPoints(cms, METRICS.in, chunk, start, end),
      fetchPoints(cms, METRICS.out, chunk, start, end),
    ]);
    for (const id of chunk) {
      const ins = inbound.filter((p) => p.instanceId === id);
      const outs = outbound.filter((p) => p.instanceId === id);
      if (ins.length === 0 || outs.length === 0) continue;
      const stamps = [...ins, ...outs].map((p) => p.timestamp);
      rates.push({
        instanceId: id,
        inBytesPerSecond: average(ins) / 8,
        outBytesPerSecond: average(outs) / 8,
        from: new Date(Math.min(...stamps)),
        to: new Date(Math.max(...stamps) + PERIOD_SECONDS * 1000),
      });
    }
  }
  return rates;
}

async function fetchPoints(
  cms: CmsApi,
  metricName: string,
  ids: readonly string[],
  start: number,
  end: number,
): Promise<Datapoint[]> {
  const points: Datapoint[] = [];
  let nextToken: string | undefined;
  do {
    let body: Awaited<ReturnType<CmsApi["describeMetricList"]>>["body"];
    try {
      body = (
        await cms.describeMetricList(
          new $Cms.DescribeMetricListRequest({
            namespace: "acs_ecs_dashboard",
            metricName,
            period: String(PERIOD_SECONDS),
            startTime: String(start),
            endTime: String(end),
            dimensions: JSON.stringify(ids.map((instanceId) => ({ instanceId }))),
            length: "1000",
            nextToken,
          }),
        )
      ).body;
    } catch (error) {
      throw fromAliyunError(error, `CMS DescribeMetricList ${metricName}`);
    }
    // CloudMonitor reports some failures in the body rather than as an HTTP error.
    if (body?.success === false) {
      throw new CloudError(
        CloudErrorCode.METRICS_UNAVAILABLE,
        `CMS DescribeMetricList ${metricName}: ${body.code}: ${body.message}`,
      );
    }
    try {
      const parsed = JSON.parse(body?.datapoints || "[]") as Datapoint[];
      points.push(...parsed.filter((p) => typeof p.Average === "number" && typeof p.instanceId === "string"));
    } catch (error) {
      throw new CloudError(
        CloudErrorCode.METRICS_UNAVAILABLE,
        `CMS returned unparsable datapoints for ${metricName}`,
        { cause: error },
      );
    }
    nextToken = body?.nextToken || undefined;
  } while (nextToken);
  return points;
}

function average(points: Datapoint[]): number {
  return points.reduce((sum, p) => sum + p.Average, 0) / points.length;
}
