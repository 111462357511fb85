// The control plane the API bench measures: ControlPlane.start (HTTP API, object index, the leader's
// database-only controllers) without the composition's provisioner. With it (main.ts) a created cluster gets a
// fleet — real broker processes and a fresh broker credential — while this bench registers its own stand-in
// broker and needs the credential POST /v1/clusters returned to stay valid. Prints `console: URL`.
import { ControlPlane, loadConfig } from "@cirrus/control-plane";

const controlPlane = await ControlPlane.start({ config: loadConfig() });
const url = await controlPlane.listen();
console.log(`console: ${url}/`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    controlPlane.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
