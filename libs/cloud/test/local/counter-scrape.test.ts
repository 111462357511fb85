import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  MAX_METRICS_BYTES,
  parseNetworkCounters,
  scrapeNetworkCounters,
} from "../../src/local/counter-scrape.ts";

describe("network counters", () => {
  it("parses the two counters, summing labelled series and skipping comments", () => {
    const text = [
      "# HELP cirrus_broker_network_in_bytes_total bytes received",
      "cirrus_broker_network_in_bytes_total 100",
      'cirrus_broker_network_out_bytes_total{listener="a"} 40',
      'cirrus_broker_network_out_bytes_total{listener="b"} 2',
      "other_metric 7",
    ].join("\n");
    assert.deepEqual(parseNetworkCounters(text), { inBytes: 100, outBytes: 42 });
  });

  it("returns undefined when a counter is missing or not a number", () => {
    assert.equal(parseNetworkCounters("cirrus_broker_network_in_bytes_total 1\n"), undefined);
    assert.equal(
      parseNetworkCounters(
        "cirrus_broker_network_in_bytes_total abc\ncirrus_broker_network_out_bytes_total 1\n",
      ),
      undefined,
    );
    assert.equal(parseNetworkCounters(""), undefined);
  });

  describe("scrape", () => {
    let server: Server;
    let port = 0;
    before(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === "/metrics" ? 200 : 404;
        res.end("cirrus_broker_network_in_bytes_total 5\ncirrus_broker_network_out_bytes_total 6\n");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("reads a live /metrics page", async () => {
      assert.deepEqual(await scrapeNetworkCounters(port), { inBytes: 5, outBytes: 6 });
    });

    it("gives up on an unreachable port and on an oversized page", async () => {
      const big = createServer((_req, res) => {
        res.write("cirrus_broker_network_in_bytes_total 1\n");
        res.end(Buffer.alloc(MAX_METRICS_BYTES + 10, "#"));
      });
      await new Promise<void>((resolve) => big.listen(0, "127.0.0.1", resolve));
      const bigPort = (big.address() as { port: number }).port;
      try {
        assert.equal(await scrapeNetworkCounters(bigPort), undefined);
      } finally {
        big.closeAllConnections();
        await new Promise<void>((resolve) => big.close(() => resolve()));
      }
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      assert.equal(await scrapeNetworkCounters(closedPort, 500), undefined);
    });
  });
});
