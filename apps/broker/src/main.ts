// The broker process: configuration from CIRRUS_* environment variables, `bootstrap: HOST:PORT` printed once
// it accepts connections, and an orderly exit on SIGTERM/SIGINT (writes stop, WAL tail uploaded, streams
// handed back) bounded by shutdownTimeoutMs.
import { describeConfig, loadBrokerConfig } from "./config.ts";
import { startBroker } from "./index.ts";

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  process.stderr.write(`broker: starting ${JSON.stringify(describeConfig(config))}\n`);
  const broker = await startBroker(config);
  process.stdout.write(`bootstrap: ${broker.bootstrap}\n`);
  process.stderr.write(`broker: id ${broker.brokerId()}, admin on port ${broker.adminPort}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`broker: ${signal}, shutting down\n`);
    const started = performance.now();
    broker.close().then(() => {
      process.stderr.write(`broker: stopped in ${Math.round(performance.now() - started)} ms\n`);
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `broker: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
