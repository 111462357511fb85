// npm run build:broker-bundle [-- --arch arm64 --node /path/to/linux-arm64/node --out dist/broker-bundle --keep 3]
// Builds the broker bundle aws/aliyun brokers on a stock image boot from (see apps/control-plane README,
// "Broker bundle"), copies it to <out>/cirrus-broker-<version>-linux-<arch>.tar.gz and prints its sha256.
// Give the result to a control plane with CIRRUS_BROKER_BUNDLE. For another architecture, pass that
// architecture's Node 24 binary and install its native addons first (npm install --cpu=<arch> --os=linux).
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildBrokerBundle } from "@cirrus/control-plane";

const { values } = parseArgs({
  options: {
    arch: { type: "string", default: process.arch },
    node: { type: "string" },
    out: { type: "string", default: "dist/broker-bundle" },
    cache: { type: "string", default: "e2e/.build/broker-bundle" },
    // Bundles the cache keeps (the most recently used; this one always).
    keep: { type: "string", default: "3" },
  },
});
const keep = Number(values.keep);
if (!Number.isInteger(keep) || keep < 1) {
  console.error(`--keep ${values.keep}: the number of bundles the cache keeps, 1 or more`);
  process.exit(2);
}
if (values.arch !== process.arch && !values.node) {
  console.error(`--arch ${values.arch} needs --node: a Node 24 binary for linux-${values.arch}`);
  process.exit(2);
}
const bundle = await buildBrokerBundle({
  brokerEntry: fileURLToPath(import.meta.resolve("@cirrus/broker/main")),
  cacheDir: resolve(values.cache),
  arch: values.arch,
  keep,
  ...(values.node ? { nodeBinary: resolve(values.node) } : {}),
});
await mkdir(values.out, { recursive: true });
const out = join(
  resolve(values.out),
  `cirrus-broker-${bundle.manifest.version}-linux-${bundle.manifest.arch}.tar.gz`,
);
await copyFile(bundle.path, out);
console.log(
  JSON.stringify({
    path: out,
    sha256: bundle.sha256,
    size: bundle.size,
    manifest: { ...bundle.manifest, files: Object.keys(bundle.manifest.files).length },
  }),
);
