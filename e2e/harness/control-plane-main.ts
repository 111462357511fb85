// The control plane as production runs it: `node apps/control-plane/src/main.ts` alone (no scripts/start.ts,
// no default cluster), configured by environment only. Clusters are created through its REST API.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../apps/control-plane/src/main.ts", import.meta.url));

export interface ControlPlaneMainOptions {
  /** The control plane's environment (DATABASE_URL, CIRRUS_DATA_DIR, PORT…), added to this process's. */
  env: Record<string, string>;
  /** Longest wait for the `console:` line. Default 60 s. */
  startTimeoutMs?: number;
}

/** One run of main.ts; `url` is the API's base URL it printed (`console: URL/`). */
export class ControlPlaneMain {
  readonly child: ChildProcess;
  url = "";
  /** stderr and stdout, kept (bounded) for failure messages. */
  output = "";
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.#exited = once(child, "exit").then(([code]) => code as number | null);
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stderr!.on("data", keep);
    child.stdout!.on("data", keep);
  }

  static async start(options: ControlPlaneMainOptions): Promise<ControlPlaneMain> {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const main = new ControlPlaneMain(child);
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`main.ts not ready within ${timeoutMs} ms: ${main.output}`)),
          timeoutMs,
        );
        child.stdout!.on("data", () => {
          const match = /^console: (\S+?)\/?$/m.exec(main.output);
          if (match) {
            main.url = match[1]!;
            resolve();
          }
        });
        void main.#exited.then((code) =>
          reject(new Error(`main.ts exited (${code}) before it was ready: ${main.output}`)),
        );
      });
    } catch (error) {
      child.kill("SIGKILL");
      await main.#exited;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return main;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). Returns the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
