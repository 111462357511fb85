import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CloudError, CloudErrorCode } from "../errors.ts";
import type { LaunchSpec } from "../provider.ts";

/** Variables a local broker inherits from the control plane's environment, beyond its launch's own. */
const INHERITED = new Set([
  "PATH",
  "HOME",
  "USER",
  "TMPDIR",
  "TMP",
  "TEMP",
  "LANG",
  "TZ",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
]);

/**
 * What of `env` (the control plane's environment) a local broker inherits: the process basics above, `LC_*`,
 * the broker's own `CIRRUS_*` options, and `AWS_*` (an s3:// object store's endpoint, region and
 * credentials, which the broker itself uses). Nothing else: not the database URL, the admin token, cloud
 * API keys or anything an operator set for the control plane alone.
 */
export function inheritedBrokerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (INHERITED.has(name) || /^(LC_|CIRRUS_|AWS_)/.test(name)) kept[name] = value;
  }
  return kept;
}

/**
 * Starts one broker as a detached process-group leader with stdout/stderr going to `<dir>/broker.log`,
 * so it outlives the control plane (which adopts it again after a restart) and can be killed with its
 * children. Resolves once the OS has started the process; rejects with LAUNCH_FAILED if it could not.
 */
export function spawnBroker(
  launch: LaunchSpec,
  env: Record<string, string>,
  dir: string,
): Promise<ChildProcess> {
  const log = openSync(join(dir, "broker.log"), "a");
  try {
    const child = spawn(launch.command, [...launch.args], {
      cwd: launch.cwd ?? dir,
      env: { ...inheritedBrokerEnv(process.env), ...launch.env, ...env },
      detached: true,
      stdio: ["ignore", log, log],
    });
    child.unref();
    return new Promise((resolve, reject) => {
      child.once("spawn", () => resolve(child));
      child.once("error", (error) =>
        reject(
          new CloudError(CloudErrorCode.LAUNCH_FAILED, `cannot start ${launch.command}`, { cause: error }),
        ),
      );
    });
  } finally {
    closeSync(log);
  }
}

/** The CIRRUS_* environment of a live process, or undefined if it is gone or unreadable (not Linux). */
export function readProcessEnv(pid: number): Record<string, string> | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/environ`, "utf8");
    const env: Record<string, string> = {};
    for (const entry of text.split("\0")) {
      if (!entry.startsWith("CIRRUS_")) continue;
      const eq = entry.indexOf("=");
      env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return undefined;
  }
}

const procAvailable = (() => {
  try {
    readdirSync("/proc/self");
    return true;
  } catch {
    return false;
  }
})();

/**
 * True if `pid` is alive and is the broker for `instanceId`. Checking the environment guards against a
 * recycled pid after a restart; without /proc (not Linux) a live pid is trusted.
 */
export function isBrokerAlive(pid: number, instanceId: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone; EPERM: a pid reused by another user's process
  }
  if (!procAvailable) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3 (after the parenthesised name) is the state; Z = exited, waiting to be reaped.
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
  } catch {
    return false;
  }
  return readProcessEnv(pid)?.CIRRUS_INSTANCE_ID === instanceId;
}

/** Signals the broker's whole process group; a process already gone is not an error. */
export function signalBroker(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {
      // The group may not exist (process not a group leader): try the pid itself.
    }
  }
}

/** Pids of every live process started by the local provider rooted at `root` (Linux only, else []). */
export function findProcessesOfRoot(root: string): { pid: number; instanceId: string }[] {
  if (!procAvailable) return [];
  const found: { pid: number; instanceId: string }[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const env = readProcessEnv(pid);
    if (env?.CIRRUS_LOCAL_ROOT === root && env.CIRRUS_INSTANCE_ID)
      found.push({ pid, instanceId: env.CIRRUS_INSTANCE_ID });
  }
  return found;
}
