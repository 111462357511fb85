// Entry point: `node src/main.ts` (npm start in this workspace): the whole control plane (composition.ts:
// API, every controller and operation handler, the providers), configured from the environment (see
// config.ts). Prints the console URL and, on first start, the first admin token. SIGINT/SIGTERM stop the
// controllers and the API; clusters, cloud resources and local brokers keep running (the next start adopts them).
import { join, resolve } from "node:path";
import { type BrokerBundle, loadBrokerBundle } from "./broker-bundle/broker-bundle.ts";
import { buildingBrokerBundle } from "./broker-bundle/broker-bundle-supply.ts";
import { buildBrokerBundle } from "./broker-bundle/build-broker-bundle.ts";
import { composeControlPlane } from "./composition.ts";
import { loadConfig } from "./config.ts";
import { defaultBrokerEntry } from "./controllers/provisioner/broker-launch.ts";

const config = loadConfig();
const describeBundle = (b: BrokerBundle) =>
  `broker bundle: ${b.sha256} (${b.manifest.version}, node ${b.manifest.node}, linux-${b.manifest.arch}, ${b.size} bytes)`;
// What aws/aliyun brokers on a stock image boot from (served at /internal/v1/broker-bundle/{sha256}): the
// operator's (CIRRUS_BROKER_BUNDLE, loaded before start), else one built here for this architecture (cached
// by input hash) in the background: the control plane serves at once, local clusters never wait for it, and
// a cloud fleet's launch waits for it (a failed build fails that launch, retriably, and is built again).
const brokerBundle = config.brokerBundle ? await loadBrokerBundle(config.brokerBundle) : undefined;
if (brokerBundle) console.log(describeBundle(brokerBundle));
const brokerBundleSupply = brokerBundle
  ? undefined
  : buildingBrokerBundle(
      () =>
        buildBrokerBundle({
          brokerEntry: defaultBrokerEntry(),
          cacheDir: join(resolve(config.dataDir), "broker-bundles"),
          keep: config.brokerBundleCacheKeep,
        }),
      {
        onBuilt: (built) => console.log(describeBundle(built)),
        onFailed: (error) =>
          console.error(
            "broker bundle build failed (cloud fleet launches fail until a retry builds it)",
            error,
          ),
      },
    );
const system = await composeControlPlane(config, {
  ...(brokerBundle ? { brokerBundle } : {}),
  ...(brokerBundleSupply ? { brokerBundleSupply } : {}),
});
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
