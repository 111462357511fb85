import { invalidArgument } from "./errors.ts";
import type { LaunchSpec } from "./provider.ts";

/** Quotes a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The boot script a cloud instance runs (cloud-init user data): it exports the launch environment and
 * the fleet's CIRRUS_* variables, then execs the broker. Instance id, zone and lifecycle are read by the
 * broker from the metadata service, so they are not baked in here. Returned base64-encoded, as both
 * EC2 launch templates and ESS scaling configurations expect.
 */
export function buildUserData(launch: LaunchSpec, fleetEnv: Record<string, string>): string {
  const lines = ["#!/bin/sh", "set -e"];
  for (const [name, value] of Object.entries({ ...launch.env, ...fleetEnv })) {
    if (!ENV_NAME.test(name))
      throw invalidArgument(`invalid environment variable name ${JSON.stringify(name)}`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  if (launch.cwd) lines.push(`cd ${shellQuote(launch.cwd)}`);
  lines.push(`exec ${[launch.command, ...launch.args].map(shellQuote).join(" ")}`);
  return Buffer.from(`${lines.join("\n")}\n`).toString("base64");
}
