// The control plane as a child process (scripts/start.ts, what `npm start` runs), so a test can SIGKILL it
// mid-operation and start it again on the same data folder and port.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const START_SCRIPT = fileURLToPath(new URL("../../scripts/start.ts", import.meta.url));

export interface ControlPlaneProcessOptions {
  dataDir: string;
  port: number;
  adminToken: string;
  /** Brokers of the default cluster start.ts creates (0: none). */
  brokers: number;
  env?: Record<string, string>;
  /** Longest wait for the `console:` line. */
  startTimeoutMs?: number;
}

/** One run of scripts/start.ts; the lines it printed (`bootstrap:`, `console:`, `token:`) parsed. */
export class ControlPlaneProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, string> = {};
  /** stderr, kept (bounded) for failure messages. */
  stderr = "";
  #exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.#exited = once(child, "exit").then(([code]) => code as number | null);
    child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
  }

  static async start(options: ControlPlaneProcessOptions): Promise<ControlPlaneProcess> {
    const child = spawn(process.execPath, [START_SCRIPT], {
      env: {
        ...process.env,
        CIRRUS_DATA_DIR: options.dataDir,
        HOST: "127.0.0.1",
        PORT: String(options.port),
        BOOTSTRAP_ADMIN_TOKEN: options.adminToken,
        CIRRUS_START_BROKERS: String(options.brokers),
        LOG_LEVEL: "error",
        RECONCILE_INTERVAL_MS: "200",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const cp = new ControlPlaneProcess(child);
    let buffered = "";
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          const match = /^(bootstrap|console|token): (.*)$/.exec(line);
          if (match) cp.lines[match[1]!] = match[2]!;
          if (match?.[1] === "token") resolve();
          newline = buffered.indexOf("\n");
        }
      });
      void cp.#exited.then((code) =>
        reject(new Error(`start.ts exited (${code}) before it was ready: ${cp.stderr}`)),
      );
    });
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`start.ts not ready within ${timeoutMs} ms: ${cp.stderr}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([ready, timeout]);
    } catch (error) {
      cp.child.kill("SIGKILL");
      await cp.#exited;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return cp;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). Returns the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 60_000): Promise<number | null> {
    if (!this.exited) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
