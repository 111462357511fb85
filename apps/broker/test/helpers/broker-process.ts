// A broker as a child process (src/main.ts), configured only through CIRRUS_* environment variables like
// the local cloud provider starts it: for kill -9 and SIGTERM tests.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { BrokerConfig } from "../../src/config.ts";
import { envNameOf } from "../../src/config.ts";

const node = join(import.meta.dirname, "../../../../node_modules/.bin/node");
const main = join(import.meta.dirname, "../../src/main.ts");

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  stderr(): string;
}

export async function spawnBroker(config: Partial<BrokerConfig>, timeoutMs = 30_000): Promise<BrokerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(config))
    env[envNameOf(key as keyof BrokerConfig)] = String(value);
  const child = spawn(node, [main], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`broker did not print bootstrap within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^bootstrap: (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited (${code}) before printing bootstrap:\n${stderr}`));
    });
  });
  return { child, bootstrap, exited, stderr: () => stderr };
}
