// The broker process: configuration from CIRRUS_* environment variables, `bootstrap: HOST:PORT` printed once
// it accepts connections, and an orderly exit on SIGTERM/SIGINT (writes stop, WAL tail uploaded, streams
// handed back) bounded by shutdownTimeoutMs.
import { describeConfig, loadBrokerConfig } from "./config.ts";
import { startBroker } from "./index.ts";

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  process.stderr.write(`broker: starting ${JSON.stringify(describeConfig(config))}\n`);
  // Signals are handled from the first moment: one that arrives while the broker is still starting (the
  // control plane may already count it, clients may already write to it) stops it as soon as it can be
  // stopped in order, and within shutdownTimeoutMs whatever the start is waiting for.
  let stopping: string | undefined;
  let broker: Awaited<ReturnType<typeof startBroker>> | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    if (!broker) {
      process.stderr.write(`broker: ${signal} while starting, stopping once started\n`);
      setTimeout(() => {
        process.stderr.write(
          `broker: ${signal}: still starting after ${config.shutdownTimeoutMs} ms, exiting\n`,
        );
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      return;
    }
    process.stderr.write(`broker: ${signal}, shutting down\n`);
    const started = performance.now();
    broker.close().then(() => {
      process.stderr.write(`broker: stopped in ${Math.round(performance.now() - started)} ms\n`);
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  broker = await startBroker(config);
  process.stdout.write(`bootstrap: ${broker.bootstrap}\n`);
  process.stderr.write(`broker: id ${broker.brokerId()}, admin on port ${broker.adminPort}\n`);
  if (stopping) {
    const signal = stopping;
    stopping = undefined;
    stop(signal);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `broker: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
