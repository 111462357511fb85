// The broker bundle emulated instances boot from (what a stock cloud image gets from the control plane):
// built once per machine and cached under e2e/.build/broker-bundle by the content hash of its inputs, so a
// test run pays the build (~20 s) at most once and later runs only re-bundle to check the hash (~3 s).
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BrokerBundle, buildBrokerBundle } from "@cirrus/control-plane";

/** The broker's entry the bundle is built from. */
export const BROKER_MAIN = fileURLToPath(import.meta.resolve("@cirrus/broker/main"));
/** Where built bundles are cached, one folder per content hash of their inputs. */
const BUNDLE_CACHE_DIR = fileURLToPath(new URL("../../.build/broker-bundle/", import.meta.url));

let shared: Promise<BrokerBundle> | undefined;

/** This checkout's broker bundle for this machine's architecture (Node from node_modules: 24). */
export function sharedBrokerBundle(): Promise<BrokerBundle> {
  shared ??= buildBrokerBundle({ brokerEntry: BROKER_MAIN, cacheDir: BUNDLE_CACHE_DIR });
  return shared;
}

/**
 * What runs as process `pid`: its executable and that executable's `--version`. A broker booted from the
 * bundle runs `<boot dir>/bundle-<sha256>/bin/node`, Node 24, and not the image's /usr/bin/node.
 */
export function runtimeOf(pid: number): { exe: string; version: string } {
  const exe = readlinkSync(`/proc/${pid}/exe`);
  return { exe, version: execFileSync(exe, ["--version"], { encoding: "utf8" }).trim() };
}
