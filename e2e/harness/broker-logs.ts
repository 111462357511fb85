// What the brokers of a local data folder wrote to their logs (`<dataDir>/cloud-local/instances/<id>/broker.log`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brokerProcessesOf } from "./broker-processes.ts";
import { waitFor } from "./cluster.ts";

/**
 * Waits until `count` live brokers have finished starting: their log says `broker: id N` (apps/broker's main.ts
 * writes it once startBroker resolved and its SIGTERM handler is installed). A broker the control plane already
 * counts as ready may still be starting: stopped before this, it dies without handing back.
 */
export async function waitForBrokersStarted(
  dataDir: string,
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    `${count} brokers started`,
    async () => {
      const started = brokerProcessesOf(dataDir).filter((p) => {
        try {
          const log = readFileSync(
            join(dataDir, "cloud-local", "instances", p.instanceId, "broker.log"),
            "utf8",
          );
          return /^broker: id \d+/m.test(log);
        } catch {
          return false;
        }
      });
      return started.length >= count ? true : undefined;
    },
    timeoutMs,
  );
}
