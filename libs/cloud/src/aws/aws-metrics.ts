import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { invalidArgument } from "../errors.ts";
import type { NetworkRate } from "../provider.ts";
import { fromAwsError } from "./aws-errors.ts";

/** Detailed monitoring publishes NetworkIn/NetworkOut every minute; each datapoint is bytes in that minute. */
const PERIOD_SECONDS = 60;
/** GetMetricData takes at most 500 queries; two per instance. */
const INSTANCES_PER_CALL = 250;

/**
 * NetworkIn/NetworkOut (Sum per 60 s) over the window, turned into bytes/s: total bytes of the
 * datapoints returned divided by the seconds they cover. The window is rounded up to whole minutes;
 * CloudWatch publishes with a delay, so the newest minute may be missing (it is then simply not counted).
 */
export async function awsNetworkRates(
  cloudWatch: CloudWatchClient,
  instanceIds: readonly string[],
  windowSeconds: number,
  now = new Date(),
): Promise<NetworkRate[]> {
  if (!(windowSeconds > 0)) throw invalidArgument("windowSeconds must be positive");
  const minutes = Math.max(1, Math.ceil(windowSeconds / PERIOD_SECONDS));
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  const start = new Date(end.getTime() - minutes * 60_000);
  const rates: NetworkRate[] = [];
  for (let i = 0; i < instanceIds.length; i += INSTANCES_PER_CALL) {
    const chunk = instanceIds.slice(i, i + INSTANCES_PER_CALL);
    const queries: MetricDataQuery[] = chunk.flatMap((id, n) =>
      (["NetworkIn", "NetworkOut"] as const).map((metric) => ({
        Id: `${metric === "NetworkIn" ? "in" : "out"}${n}`,
        MetricStat: {
          Metric: {
            Namespace: "AWS/EC2",
            MetricName: metric,
            Dimensions: [{ Name: "InstanceId", Value: id }],
          },
          Period: PERIOD_SECONDS,
          Stat: "Sum",
          Unit: "Bytes",
        },
        ReturnData: true,
      })),
    );
    const points = new Map<string, { timestamps: Date[]; values: number[] }>();
    try {
      let token: string | undefined;
      do {
        const out = await cloudWatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
            NextToken: token,
            ScanBy: "TimestampAscending",
          }),
        );
        for (const r of out.MetricDataResults ?? []) {
          const entry = points.get(r.Id ?? "") ?? { timestamps: [], values: [] };
          entry.timestamps.push(...(r.Timestamps ?? []));
          entry.values.push(...(r.Values ?? []));
          points.set(r.Id ?? "", entry);
        }
        token = out.NextToken;
      } while (token);
    } catch (error) {
      throw fromAwsError(error, "GetMetricData");
    }
    chunk.forEach((id, n) => {
      const inbound = points.get(`in${n}`);
      const outbound = points.get(`out${n}`);
      if (!inbound?.values.length || !outbound?.values.length) return;
      const stamps = [...inbound.timestamps, ...outbound.timestamps].map((t) => t.getTime());
      const seconds = Math.max(inbound.values.length, outbound.values.length) * PERIOD_SECONDS;
      rates.push({
        instanceId: id,
        inBytesPerSecond: sum(inbound.values) / (inbound.values.length * PERIOD_SECONDS),
        outBytesPerSecond: sum(outbound.values) / (outbound.values.length * PERIOD_SECONDS),
        from: new Date(Math.min(...stamps)),
        to: new Date(Math.min(...stamps) + seconds * 1000),
      });
    });
  }
  return rates;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
