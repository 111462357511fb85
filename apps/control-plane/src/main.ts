// Entry point: `node src/main.ts` (npm start in this workspace). Config from the environment
// (see config.ts); prints the console URL and, on first start, the first admin token.
import { loadConfig } from "./config.ts";
import { ControlPlane } from "./control-plane.ts";

const config = loadConfig();
const controlPlane = await ControlPlane.start({ config });
const url = await controlPlane.listen();
console.log(`console: ${url}/`);
if (controlPlane.firstAdminToken) console.log(`token: ${controlPlane.firstAdminToken}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    controlPlane.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("shutdown failed", error);
        process.exit(1);
      },
    );
  });
}
