// Builds the small C programs in ./native (librdkafka load generator and mock cluster) with gcc,
// once per source change, into e2e/.build/. Needs Debian's librdkafka-dev and gcc (.ci installs them).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, "..", ".build");

export const NativeTool = {
  openMessaging: "rdkafka-openmessaging",
  mockCluster: "rdkafka-mock-cluster",
} as const;
export type NativeTool = (typeof NativeTool)[keyof typeof NativeTool];

/** Returns the path of the compiled tool, compiling it first when the binary is missing or older than its source. */
export function nativeTool(tool: NativeTool): string {
  const source = join(here, "native", `${tool}.c`);
  const binary = join(buildDir, tool);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(buildDir, { recursive: true });
    execFileSync("gcc", ["-O2", "-Wall", "-o", binary, source, "-lrdkafka", "-lpthread"], {
      stdio: "inherit",
    });
  }
  return binary;
}
