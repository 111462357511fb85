import { invalidArgument } from "./errors.ts";
import type { LaunchBundle, LaunchSpec } from "./provider.ts";

/** Quotes a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The boot lines that fetch a bundle on a stock image (sh, curl or wget, tar, sha256sum): download with
 * retries and exponential backoff (the control plane may be unreachable for a while), verify the sha256
 * (a mismatch refuses to start: exit 1 with a `cirrus-boot:` line), unpack under the data dir, keyed by
 * hash so a reboot reuses it. Leaves the unpacked root in $CIRRUS_BUNDLE_ROOT.
 */
function bundleLines(bundle: LaunchBundle): string[] {
  if (!SHA256.test(bundle.sha256)) throw invalidArgument(`bundle sha256 must be 64 lowercase hex digits`);
  if (!/^https?:\/\//.test(bundle.url)) throw invalidArgument(`bundle url must be http(s)`);
  const attempts = bundle.attempts ?? 60;
  const delayMs = Math.round((bundle.retryDelaySeconds ?? 1) * 1000);
  if (!Number.isInteger(attempts) || attempts < 1) throw invalidArgument("bundle attempts must be >= 1");
  if (!(delayMs >= 1 && delayMs <= 30_000))
    throw invalidArgument("bundle retryDelaySeconds must be in (0, 30]");
  return [
    `bundle_url=${shellQuote(bundle.url)}`,
    `bundle_sha=${bundle.sha256}`,
    `boot_dir="\${CIRRUS_BOOT_DIR:-${shellQuote(bundle.dataDir ?? "/var/lib/cirrus")}}"`,
    `CIRRUS_BUNDLE_ROOT="$boot_dir/bundle-$bundle_sha"`,
    `if [ ! -f "$CIRRUS_BUNDLE_ROOT/.verified" ]; then`,
    `  mkdir -p "$boot_dir"`,
    `  part="$boot_dir/bundle-$bundle_sha.tar.gz.part"`,
    `  attempt=1; delay_ms=${delayMs}`,
    `  while :; do`,
    `    if command -v curl >/dev/null 2>&1; then`,
    `      curl -fsS --connect-timeout 10 --max-time 600 -o "$part" "$bundle_url" && break`,
    `    else`,
    `      wget -q -T 10 -O "$part" "$bundle_url" && break`,
    `    fi`,
    `    if [ "$attempt" -ge ${attempts} ]; then`,
    `      echo "cirrus-boot: giving up: broker bundle not downloadable from $bundle_url after $attempt attempts" >&2`,
    `      exit 1`,
    `    fi`,
    `    delay="$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))"`,
    `    echo "cirrus-boot: broker bundle download failed (attempt $attempt of ${attempts}), retrying in \${delay}s" >&2`,
    `    sleep "$delay"`,
    `    attempt=$((attempt + 1))`,
    `    delay_ms=$((delay_ms * 2)); if [ "$delay_ms" -gt 30000 ]; then delay_ms=30000; fi`,
    `  done`,
    `  got=$(sha256sum "$part" | cut -d ' ' -f 1)`,
    `  if [ "$got" != "$bundle_sha" ]; then`,
    `    rm -f "$part"`,
    `    echo "cirrus-boot: refusing to start: broker bundle sha256 is $got, expected $bundle_sha" >&2`,
    `    exit 1`,
    `  fi`,
    `  rm -rf "$CIRRUS_BUNDLE_ROOT.unpack" && mkdir -p "$CIRRUS_BUNDLE_ROOT.unpack"`,
    `  tar -xzf "$part" -C "$CIRRUS_BUNDLE_ROOT.unpack" --strip-components=1`,
    `  rm -f "$part"`,
    `  rm -rf "$CIRRUS_BUNDLE_ROOT" && mv "$CIRRUS_BUNDLE_ROOT.unpack" "$CIRRUS_BUNDLE_ROOT"`,
    `  : > "$CIRRUS_BUNDLE_ROOT/.verified"`,
    `fi`,
    `echo "cirrus-boot: broker bundle $bundle_sha at $CIRRUS_BUNDLE_ROOT" >&2`,
  ];
}

/**
 * The boot script a cloud instance runs (cloud-init user data): it exports the launch environment and
 * the fleet's CIRRUS_* variables, then execs the broker. Instance id, zone and lifecycle are read by the
 * broker from the metadata service, so they are not baked in here. With `launch.bundle` (a stock image) it
 * first fetches and verifies the broker bundle, and a relative command runs from the unpacked bundle. Returned base64-encoded, as both
 * EC2 launch templates and ESS scaling configurations expect.
 */
export function buildUserData(launch: LaunchSpec, fleetEnv: Record<string, string>): string {
  const lines = ["#!/bin/sh", "set -e"];
  for (const [name, value] of Object.entries({ ...launch.env, ...fleetEnv })) {
    if (!ENV_NAME.test(name))
      throw invalidArgument(`invalid environment variable name ${JSON.stringify(name)}`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  if (launch.bundle) lines.push(...bundleLines(launch.bundle));
  if (launch.cwd) lines.push(`cd ${shellQuote(launch.cwd)}`);
  const command =
    launch.bundle && !launch.command.startsWith("/")
      ? `"$CIRRUS_BUNDLE_ROOT"/${shellQuote(launch.command)}`
      : shellQuote(launch.command);
  lines.push(`exec ${[command, ...launch.args.map(shellQuote)].join(" ")}`);
  return Buffer.from(`${lines.join("\n")}\n`).toString("base64");
}
