// Entry point: `node src/main.ts` (npm start in this workspace): the whole control plane (composition.ts:
// API, every controller and operation handler, the providers), configured from the environment (see
// config.ts). Prints the console URL and, on first start, the first admin token. SIGINT/SIGTERM stop the
// controllers and the API; clusters, cloud resources and local brokers keep running (the next start adopts them).
import { join, resolve } from "node:path";
import { loadBrokerBundle } from "./broker-bundle/broker-bundle.ts";
import { buildBrokerBundle } from "./broker-bundle/build-broker-bundle.ts";
import { composeControlPlane } from "./composition.ts";
import { loadConfig } from "./config.ts";
import { defaultBrokerEntry } from "./controllers/provisioner/broker-launch.ts";

const config = loadConfig();
// What aws/aliyun brokers on a stock image boot from (served at /internal/v1/broker-bundle/{sha256}): the
// operator's (CIRRUS_BROKER_BUNDLE), else one built here for this architecture (cached by input hash).
const brokerBundle = config.brokerBundle
  ? await loadBrokerBundle(config.brokerBundle)
  : await buildBrokerBundle({
      brokerEntry: defaultBrokerEntry(),
      cacheDir: join(resolve(config.dataDir), "broker-bundles"),
    });
console.log(
  `broker bundle: ${brokerBundle.sha256} (${brokerBundle.manifest.version}, node ${brokerBundle.manifest.node}, linux-${brokerBundle.manifest.arch}, ${brokerBundle.size} bytes)`,
);
const system = await composeControlPlane(config, { brokerBundle });
let url: string;
try {
  url = await system.listen();
} catch (error) {
  await system.close();
  throw error;
}
console.log(`console: ${url}/`);
if (system.controlPlane.firstAdminToken) console.log(`token: ${system.controlPlane.firstAdminToken}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    system.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("shutdown failed", error);
        process.exit(1);
      },
    );
  });
}
