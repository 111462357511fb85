// A SIGTERM that reaches the broker while it is still starting (here: its control plane never answers, so it
// keeps retrying registration) is not lost and does not wait for the start: the process says so and exits
// within shutdownTimeoutMs. Before, no handler was installed until the start finished, so the signal either
// killed it mid-start without a word or, with the handler late, was never acted on in order.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { envNameOf } from "../../src/config.ts";

const node = join(import.meta.dirname, "../../../../node_modules/.bin/node");
const main = join(import.meta.dirname, "../../src/main.ts");

/** A port that accepts connections and never answers (a paused control plane). */
async function silentPort(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test("SIGTERM while the broker is still starting stops it within shutdownTimeoutMs, saying so", {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "cirrus-signal-start-"));
  const silent = await silentPort();
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [envNameOf("controlPlaneUrl")]: `http://127.0.0.1:${silent.port}`,
      [envNameOf("dataDir")]: dir,
      [envNameOf("objectStore")]: `file://${join(dir, "objects")}`,
      [envNameOf("shutdownTimeoutMs")]: "1500",
      [envNameOf("kafkaPort")]: "0",
      [envNameOf("adminPort")]: "0",
    };
    const child = spawn(node, [main], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    for (let i = 0; i < 200 && !stderr.includes("broker: starting"); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = performance.now();
    child.kill("SIGTERM");
    const code = await exited;
    const tookMs = performance.now() - signalled;
    assert.match(stderr, /SIGTERM while starting/);
    assert.equal(code, 1, stderr);
    assert.ok(tookMs < 10_000, `exited ${Math.round(tookMs)} ms after the signal`);
  } finally {
    silent.close();
    await rm(dir, { recursive: true, force: true });
  }
});
