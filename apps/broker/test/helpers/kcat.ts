// Runs Debian's kcat (librdkafka) against a broker: resolves with its exit code and output, rejects only when it
// outlives `timeoutMs` (it is killed then).
import { spawn } from "node:child_process";

export interface KcatResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runKcat(
  bootstrap: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("kcat", ["-b", bootstrap, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`kcat ${args.join(" ")} timed out:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
