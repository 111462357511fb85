// `npm start`: the control plane and a local 3-broker cluster, with no configuration. Everything lives under
// ./data (PGlite database, objects, broker folders and WAL volumes). Prints, each on its own line,
// `bootstrap: HOST:PORT[,HOST:PORT…]` (the same at every start on a data folder: local brokers keep their
// slot's ports), `console: URL` and `token: TOKEN`, then keeps running; Ctrl-C or
// SIGTERM stops the brokers and the control plane (a second Ctrl-C exits at once).
//
// One start per data folder: a second one exits at once, naming the folder and the pid of the first (a lock
// left by a killed start is taken over). Ctrl-C deletes the WAL volumes of the brokers that handed back.
//
// Environment (all optional): CIRRUS_DATA_DIR (default ./data), PORT (default 8080), HOST, DATABASE_URL,
// CIRRUS_START_BROKERS (brokers of the default cluster, default 3; 0 starts the control plane only: no
// broker is started, and a cluster stopped by an earlier Ctrl-C stays stopped),
// OBJECT_STORE (the default cluster's object store URI), BOOTSTRAP_ADMIN_TOKEN, LOG_LEVEL, and the rest of
// apps/control-plane/src/config.ts.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lockFolder } from "../libs/cloud/src/local/root-lock.ts";

const dataDir = resolve(process.env.CIRRUS_DATA_DIR ?? "./data");
const brokers = Number(process.env.CIRRUS_START_BROKERS ?? 3);
if (!Number.isInteger(brokers) || brokers < 0 || brokers > 100) {
  process.stderr.write(
    `CIRRUS_START_BROKERS must be an integer in 0..100, got ${process.env.CIRRUS_START_BROKERS}\n`,
  );
  process.exit(2);
}
mkdirSync(dataDir, { recursive: true });
const log = (line: string) => process.stderr.write(`cirrus: ${line}\n`);

// First thing, before the control plane is even loaded (seconds on a busy machine): one start per folder.
let dataDirLock: () => void;
try {
  dataDirLock = lockFolder(dataDir, "cirrus.lock"); // local-system.ts DATA_DIR_LOCK
} catch (error) {
  log(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  log("stop that one first, or set CIRRUS_DATA_DIR to another folder");
  process.exit(1);
}

const { startLocalSystem } = await import(
  "../apps/control-plane/src/controllers/provisioner/local-system.ts"
);
// This script sits above both apps: it names the broker's entry (the @cirrus/broker package's `./main`
// export) to the control plane, which launches local brokers but imports nothing of the broker.
const brokerEntry = fileURLToPath(import.meta.resolve("@cirrus/broker/main"));
// Likewise the web console's build (apps/console/dist, made by `npm run build -w @cirrus/console`, which
// `npm start` runs first), served by the control plane at `/`.
process.env.CONSOLE_DIR ??= fileURLToPath(new URL("../apps/console/dist", import.meta.url));
let system: Awaited<ReturnType<typeof startLocalSystem>>;
try {
  system = await startLocalSystem({ dataDir, brokers, log, dataDirLock, brokerEntry });
} catch (error) {
  log(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE")
    log("the port is taken: set PORT to another one");
  log(`broker logs: ${resolve(dataDir, "cloud-local", "instances")}/*/broker.log`);
  process.exit(1);
}

if (system.bootstrap) console.log(`bootstrap: ${system.bootstrap}`);
if (system.stableBootstrap)
  log(
    `one bootstrap address for the cluster: ${system.stableBootstrap} (forwards to any live broker while this runs); ` +
      "brokers keep their ports across restarts and replacements",
  );
console.log(`console: ${system.url}/`);
console.log(
  system.adminToken
    ? `token: ${system.adminToken}`
    : `token: not stored in ${system.adminTokenFile}: the first admin token was printed when this data folder ` +
        "was created; an admin can create another with POST /v1/tokens, or start over with an empty CIRRUS_DATA_DIR",
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) {
      log(`${signal} again: exiting now (brokers may be left running; the next start adopts them)`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: stopping brokers and the control plane`);
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  });
}
