// Entry point: `node src/main.ts` (npm start in this workspace): the whole control plane (composition.ts:
// API, every controller and operation handler, the providers), configured from the environment (see
// config.ts). Prints the console URL and, on first start, the first admin token. SIGINT/SIGTERM stop the
// controllers and the API; clusters, cloud resources and local brokers keep running (the next start adopts them).
import { composeControlPlane } from "./composition.ts";
import { loadConfig } from "./config.ts";

const config = loadConfig();
const system = await composeControlPlane(config);
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
