/**
 * The control-plane instance's boot script on either cloud (bash, substituted by the template's Fn::Sub, so
 * `${Name}` are template references). Each cloud gives the lines that fetch the release into
 * /tmp/cirrus-release.tgz and read its secrets into shell variables (`prepare`), and the control plane's
 * environment lines (`env`, shell-expanded). The release is the repository after `npm ci`, whose `node` package
 * brings Node 24 (infra/README.md); it runs apps/control-plane/src/main.ts under systemd as user cirrus.
 */
export function controlPlaneBootScript(parts: {
  prepare: readonly string[];
  env: readonly string[];
}): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "install -d -m 0755 /opt/cirrus /etc/cirrus",
    "id cirrus >/dev/null 2>&1 || useradd --system --home-dir /var/lib/cirrus --create-home cirrus",
    ...parts.prepare,
    "rm -rf /opt/cirrus/release && mkdir /opt/cirrus/release",
    "tar -xzf /tmp/cirrus-release.tgz -C /opt/cirrus/release",
    "umask 077",
    "{",
    ...parts.env.map((line) => `  echo "${line}"`),
    '  echo "HOST=0.0.0.0"',
    '  echo "PORT=${ApiPort}"',
    '  echo "ADVERTISED_URL=http://$private_ip:${ApiPort}"',
    '  echo "CIRRUS_DATA_DIR=/var/lib/cirrus"',
    // The release carries the console's build (npm run build -w @cirrus/console before packing it).
    '  echo "CONSOLE_DIR=/opt/cirrus/release/apps/console/dist"',
    "} > /etc/cirrus/control-plane.env",
    "chown -R cirrus /etc/cirrus",
    "cat > /etc/systemd/system/cirrus-control-plane.service <<'UNIT'",
    "[Unit]",
    "Description=Cirrus control plane",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "User=cirrus",
    "WorkingDirectory=/opt/cirrus/release",
    "EnvironmentFile=/etc/cirrus/control-plane.env",
    "ExecStart=/opt/cirrus/release/node_modules/.bin/node apps/control-plane/src/main.ts",
    "Restart=always",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "UNIT",
    "systemctl daemon-reload",
    "systemctl enable --now cirrus-control-plane",
    "",
  ].join("\n");
}

/** Writes a template parameter holding certificates to a file, and names it in the environment when not empty. */
export function certificatesFile(parameter: string, file: string, variable: string) {
  return {
    prepare: `printf '%s' '\${${parameter}}' > ${file}`,
    env: `$([ -s ${file} ] && echo ${variable}_FILE=${file})`,
  };
}
