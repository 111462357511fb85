import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import {
  type BrokerBundle,
  type BrokerBundleManifest,
  BUNDLE_ROOT,
  LAUNCHER,
  sha256File,
} from "./broker-bundle.ts";
import { DEFAULT_BUNDLE_CACHE_KEEP, pruneBundleCache, touchCachedBundle } from "./prune-bundle-cache.ts";

const run = promisify(execFile);

export interface BuildBrokerBundleOptions {
  /** The broker's entry module (apps/broker/src/main.ts), resolved by the caller (scripts/, e2e/ sit above apps). */
  brokerEntry: string;
  /** Where built bundles are kept, one folder per content hash of their inputs. */
  cacheDir: string;
  /** The Node 24 binary to ship (default: the one running this process, the project's own for linux-x64). */
  nodeBinary?: string;
  /** The instances' architecture (default this process's). Native addons are taken from node_modules for it. */
  arch?: string;
  /** Stamped into the manifest (default the broker package's version). */
  version?: string;
  /**
   * How many bundles `cacheDir` keeps: the `keep` most recently used, and the one returned (default 3,
   * prune-bundle-cache.ts). Older ones are removed after each build or cache hit.
   */
  keep?: number;
}

/**
 * Native addons (snappy and lz4 compression, crc32) are napi-rs packages: a JS loader that `require`s a
 * platform package (`<name>-linux-<arch>-gnu`, one .node file). The loaders are bundled; every platform
 * package they name for linux-<this arch> gnu is kept external, and its linux-<target arch> twin is copied
 * into the bundle's node_modules.
 */
const PLATFORM_PACKAGE = /^(@[^/]+\/)?[^/]+-linux-[a-z0-9]+-gnu$/;
const HOST_SUFFIX = `-linux-${process.arch}-gnu`;

/**
 * Builds (or finds in the cache) the broker bundle: one tarball holding `cirrus-broker/` with the broker as
 * a single ESM file (esbuild, no TypeScript at runtime) plus its block-verifier worker, the Node runtime,
 * the native addons for the architecture, a launcher and a manifest (version, node version, arch, every
 * file's sha256). The tarball is reproducible (sorted, mtime 0, owner 0, gzip -n), so its sha256 names it.
 */
export async function buildBrokerBundle(options: BuildBrokerBundleOptions): Promise<BrokerBundle> {
  const { bundle, key } = await buildOrFindBundle(options);
  await pruneBundleCache(options.cacheDir, { keep: options.keep ?? DEFAULT_BUNDLE_CACHE_KEEP, inUse: key });
  return bundle;
}

async function buildOrFindBundle(
  options: BuildBrokerBundleOptions,
): Promise<{ bundle: BrokerBundle; key: string }> {
  const arch = options.arch ?? process.arch;
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const { build } = await import("esbuild");
  const requireFromEntry = createRequire(options.brokerEntry);
  const brokerPackage = JSON.parse(
    await readFile(join(dirname(options.brokerEntry), "..", "package.json"), "utf8"),
  ) as { version: string };
  const s3stream = requireFromEntry.resolve("@cirrus/s3stream"); // its src/index.ts
  const workerEntry = join(dirname(s3stream), "read", "block-verifier-worker.ts");
  const addonLoaders = new Map<string, string>(); // host platform package → the folder of its loader
  const built = await build({
    entryPoints: { broker: options.brokerEntry, "block-verifier-worker": workerEntry },
    bundle: true,
    // Paths in the output's comments are relative to this: fixed (the repository root, above apps/broker/src),
    // so every caller, whatever its working directory, builds the same bytes.
    absWorkingDir: dirname(dirname(dirname(options.brokerEntry))),
    platform: "node",
    format: "esm",
    target: "node24",
    outExtension: { ".js": ".mjs" },
    write: false,
    outdir: "/",
    // Bundled CommonJS (the addon loaders, prom-client) calls require: give the ESM output one.
    banner: {
      js: "import { createRequire as __cirrusRequire } from 'node:module'; const require = __cirrusRequire(import.meta.url);",
    },
    plugins: [
      {
        name: "cirrus-native-addons",
        setup(b) {
          b.onResolve({ filter: PLATFORM_PACKAGE }, (args) => {
            if (!args.path.endsWith(HOST_SUFFIX)) return { path: args.path, external: true };
            addonLoaders.set(args.path, args.resolveDir);
            return { path: args.path, external: true };
          });
        },
      },
      {
        // s3stream starts its verifier with new URL("./block-verifier-worker.ts", import.meta.url): in the
        // bundle that file is the built block-verifier-worker.mjs next to broker.mjs.
        name: "cirrus-worker-url",
        setup(b) {
          b.onLoad({ filter: /block-verifier\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, "utf8")).replace(
              '"./block-verifier-worker.ts"',
              '"./block-verifier-worker.mjs"',
            ),
            loader: "ts",
          }));
        },
      },
    ],
    logLevel: "error",
  });
  // Sorted: esbuild resolves in parallel, so the loaders are met in no fixed order, and the cache key below
  // must not depend on it (an unsorted key missed the cache on a rebuild of the same inputs).
  const addons = [...addonLoaders]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([hostName, loaderDir]) => {
      const name = `${hostName.slice(0, -HOST_SUFFIX.length)}-linux-${arch}-gnu`;
      try {
        return {
          name,
          dir: dirname(createRequire(join(loaderDir, "index.js")).resolve(`${name}/package.json`)),
        };
      } catch {
        throw new Error(
          `broker bundle for linux-${arch}: native addon ${name} is not installed; install it (npm install --cpu=${arch} --os=linux) or supply a prebuilt bundle (CIRRUS_BROKER_BUNDLE)`,
        );
      }
    });
  const inputs = createHash("sha256");
  const outputs = [...built.outputFiles].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of outputs) inputs.update(file.path).update(file.contents);
  inputs.update(await sha256File(nodeBinary)).update(arch);
  for (const addon of addons)
    inputs.update(addon.name).update(await readFile(join(addon.dir, "package.json")));
  const key = inputs.digest("hex").slice(0, 32);
  const cached = join(options.cacheDir, key);
  try {
    const bundle = JSON.parse(await readFile(join(cached, "bundle.json"), "utf8")) as BrokerBundle;
    await touchCachedBundle(options.cacheDir, key);
    return { bundle, key };
  } catch {
    // not built yet
  }

  const stage = join(options.cacheDir, `${key}.stage-${process.pid}`);
  await rm(stage, { recursive: true, force: true });
  const root = join(stage, BUNDLE_ROOT);
  await mkdir(join(root, "bin"), { recursive: true });
  for (const file of built.outputFiles) await writeFile(join(root, file.path.slice(1)), file.contents);
  await copyFile(nodeBinary, join(root, "bin", "node"));
  await chmod(join(root, "bin", "node"), 0o755);
  for (const addon of addons)
    await cp(addon.dir, join(root, "node_modules", addon.name), { recursive: true });
  // The launcher: node flags in, the bundled node on the bundled broker out, wherever the bundle was unpacked.
  await writeFile(
    join(root, LAUNCHER),
    '#!/bin/sh\nhere=$(cd "$(dirname "$0")" && pwd)\nexec "$here/node" "$@" "$here/../broker.mjs"\n',
    { mode: 0o755 },
  );
  const { stdout: nodeVersion } = await run(nodeBinary, ["--version"]).catch(() => ({ stdout: "unknown" }));
  const files: Record<string, string> = {};
  const { stdout: listing } = await run("find", [".", "-type", "f"], { cwd: root });
  for (const path of listing.split("\n").filter(Boolean).sort())
    files[path.slice(2)] = await sha256File(join(root, path));
  const manifest: BrokerBundleManifest = {
    format: 1,
    version: options.version ?? brokerPackage.version,
    node: arch === process.arch ? nodeVersion.trim() : "unknown",
    platform: "linux",
    arch,
    files,
  };
  await writeFile(join(root, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const tarball = join(stage, "bundle.tar.gz");
  await run(
    "sh",
    [
      "-c",
      `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - ${BUNDLE_ROOT} | gzip -n -6 > bundle.tar.gz`,
    ],
    { cwd: stage },
  );
  await rm(root, { recursive: true });
  const bundle: BrokerBundle = {
    path: join(cached, "bundle.tar.gz"),
    sha256: await sha256File(tarball),
    size: (await stat(tarball)).size,
    manifest,
  };
  await writeFile(join(stage, "bundle.json"), `${JSON.stringify(bundle, null, 2)}\n`);
  try {
    await rename(stage, cached);
  } catch (error) {
    // Another process built the same inputs meanwhile: same files, same hash; keep its copy.
    await rm(stage, { recursive: true, force: true });
    const theirs = JSON.parse(
      await readFile(join(cached, "bundle.json"), "utf8").catch(() => {
        throw error;
      }),
    ) as BrokerBundle;
    return { bundle: theirs, key };
  }
  return { bundle, key };
}
