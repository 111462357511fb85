// librdkafka's in-memory mock cluster (rdkafka_mock, from Debian's librdkafka-dev), started through the small C
// program in native/: a Kafka broker that does no I/O, the reference the broker benches compare against.
import { type ChildProcess, spawn } from "node:child_process";
import { NativeTool, nativeTool } from "./native-tools.ts";

export interface MockCluster {
  /** host:port of its (only) broker. */
  readonly bootstrap: string;
  readonly pid: number;
  stop(): void;
}

/** Starts one mock broker with `topic` of `partitions` partitions; rejects if it is not up within 30 s. */
export async function startMockCluster(topic: string, partitions: number): Promise<MockCluster> {
  const child = spawn(nativeTool(NativeTool.mockCluster), ["1", topic, String(partitions)], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const stop = () => {
    child.stdin?.end(); // the mock cluster exits when its stdin closes
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  try {
    const bootstrap = await waitForBootstrap(child);
    return { bootstrap, pid: child.pid!, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

function waitForBootstrap(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("mock cluster did not start")), 30_000);
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const match = /bootstrap: (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`mock cluster exited (${code})`));
    });
  });
}
