export interface NetworkCounters {
  inBytes: number;
  outBytes: number;
}

export const NETWORK_IN_COUNTER = "cirrus_broker_network_in_bytes_total";
export const NETWORK_OUT_COUNTER = "cirrus_broker_network_out_bytes_total";

/**
 * Reads the broker's network counters from Prometheus text exposition. Samples with labels are summed
 * (a broker may split counters per listener). undefined when either counter is missing.
 */
export function parseNetworkCounters(text: string): NetworkCounters | undefined {
  let inBytes: number | undefined;
  let outBytes: number | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line.trim());
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    if (match[1] === NETWORK_IN_COUNTER) inBytes = (inBytes ?? 0) + value;
    else if (match[1] === NETWORK_OUT_COUNTER) outBytes = (outBytes ?? 0) + value;
  }
  return inBytes === undefined || outBytes === undefined ? undefined : { inBytes, outBytes };
}

/** A broker's /metrics page is a few KiB; anything past this is not read (and not trusted). */
export const MAX_METRICS_BYTES = 1 << 20;

/**
 * GETs http://127.0.0.1:<port>/metrics within `timeoutMs`; undefined if unreachable, not 200, larger than
 * MAX_METRICS_BYTES or without both counters.
 */
export async function scrapeNetworkCounters(
  port: number,
  timeoutMs = 1000,
): Promise<NetworkCounters | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok || !response.body) return undefined;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > MAX_METRICS_BYTES) {
        await response.body.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(chunk);
    }
    return parseNetworkCounters(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}
