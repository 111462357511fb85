import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { INTERNAL_PREFIX } from "@cirrus/broker-api";
import type { LaunchSpec } from "@cirrus/cloud";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { LAUNCHER as BUNDLE_LAUNCHER } from "../../broker-bundle/broker-bundle.ts";
import { brokerBundlePath } from "../../routes/internal/broker-bundle-routes.ts";
import { ProvisioningError, ProvisioningErrorCode } from "./provisioning-error.ts";

/** How brokers are started; defaults run this repository's broker on this machine's Node. */
export interface BrokerLaunchOptions {
  /** The control plane's internal API as brokers reach it (http://host:port, no path). */
  controlPlaneUrl: string;
  /** local: the Node binary (default: the one running the control plane, Node 24). */
  nodePath?: string;
  /**
   * local: the broker's entry module. scripts/start.ts, which sits above both apps, passes the broker package's
   * `@cirrus/broker/main` export; without one, that export is resolved by name (never a path into apps/broker).
   */
  brokerEntry?: string;
  /**
   * local: WAL size each broker formats on its volume (default 256 MiB, zero-filled on first start). The WAL
   * must absorb ingest while an upload is in flight: at 64 MiB a slow commit (a busy machine, PGlite) filled it
   * at 50 MiB/s and producers waited for space; 256 MiB gives uploads seconds of headroom at that rate.
   */
  localWalCapacityBytes?: number;
  /**
   * aws/aliyun on a stock image: the broker bundle the boot script fetches from this control plane
   * (GET /internal/v1/broker-bundle/{sha256}), checks and runs. Download retry settings are the boot's.
   */
  bundle?: { sha256: string; attempts?: number; retryDelaySeconds?: number };
  /**
   * aws/aliyun on a stock image: the bundle still being built in the background (main.ts). A cloud fleet's
   * launch waits for it (resolveLaunchBundle) and its sha256 wins over `bundle`'s; local launches never wait.
   */
  bundleReady?: () => Promise<{ sha256: string }>;
  /**
   * aws/aliyun on an operator's own image: the command baked into it; wins over `bundle`. Without either,
   * node /opt/cirrus/apps/broker/src/main.ts (an image with Node 24 and this repository at /opt/cirrus).
   */
  cloudCommand?: { command: string; args: readonly string[]; cwd?: string };
  /** Extra environment for every broker (e.g. CIRRUS_LOG_LEVEL). */
  env?: Readonly<Record<string, string>>;
}

const LOCAL_ENTRY = fileURLToPath(new URL("./local-broker-entry.ts", import.meta.url));

/**
 * V8 settings for brokers. A broker's old generation is small (~30 MB live) while it allocates fast, so V8's
 * default heap growing started a full mark-compact about every 0.7 s at 50 MiB/s (18 in 13 s, pauses up to
 * 20 ms plus incremental steps up to 35 ms); letting the heap grow to 4x its live size halved that count.
 */
export const BROKER_NODE_FLAGS: readonly string[] = ["--heap-growing-percent=300"];
/** The broker's entry module, resolved by name (also what main.ts bundles for cloud brokers). */
export const defaultBrokerEntry = (): string => fileURLToPath(import.meta.resolve("@cirrus/broker/main"));

/**
 * The object store URI as a broker must see it: relative file:// paths are made absolute (local brokers
 * run in their own folders), and the spec's endpoint/region ride along as s3:// query parameters.
 */
export function brokerObjectStoreUri(objectStore: ClusterSpec["objectStore"], cwd = process.cwd()): string {
  const { uri } = objectStore;
  if (uri.startsWith("file://")) {
    const path = decodeURIComponent(uri.slice("file://".length));
    return isAbsolute(path) ? uri : `file://${resolve(cwd, path)}`;
  }
  if (!uri.startsWith("s3://")) return uri;
  const url = new URL(uri);
  if (objectStore.endpoint && !url.searchParams.has("endpoint"))
    url.searchParams.set("endpoint", objectStore.endpoint);
  if (objectStore.region && !url.searchParams.has("region"))
    url.searchParams.set("region", objectStore.region);
  return url.toString();
}

/** Whether a cluster's brokers get the cluster's broker token in their launch spec (local ones only). */
export function launchCarriesBrokerToken(spec: ClusterSpec): boolean {
  return spec.provider === "local";
}

/**
 * The launch options for a fleet of `spec`: a cloud fleet booting from the bundle (no cloudCommand) waits for
 * options.bundleReady. A failed build is a retriable ProvisioningError (BROKER_BUNDLE_UNAVAILABLE): the
 * operation is attempted again, and that attempt builds again. Local fleets get `options` as they are.
 */
export async function resolveLaunchBundle(
  spec: ClusterSpec,
  options: BrokerLaunchOptions,
): Promise<BrokerLaunchOptions> {
  const { bundleReady } = options;
  if (spec.provider === "local" || options.cloudCommand || !bundleReady) return options;
  let sha256: string;
  try {
    ({ sha256 } = await bundleReady());
  } catch (error) {
    throw new ProvisioningError(
      ProvisioningErrorCode.BROKER_BUNDLE_UNAVAILABLE,
      `the broker bundle ${spec.provider} brokers boot from could not be built: ${
        error instanceof Error ? error.message : String(error)
      } (retried with a new build on the next attempt; or set CIRRUS_BROKER_BUNDLE)`,
      { cause: error },
    );
  }
  // A view, not a copy: controlPlaneUrl may be a getter.
  return Object.create(options, { bundle: { value: { ...options.bundle, sha256 }, enumerable: true } });
}

/**
 * The launch spec of a cluster's brokers. The provider adds the per-instance variables (instance id,
 * zone, ports, data and volume folders); this adds what is per cluster: its id, the control plane's URL
 * and the object store. Local brokers start through local-broker-entry.ts, which waits for the WAL volume
 * the provisioner attaches before it runs the broker, and get the cluster's broker token. Cloud brokers get
 * no secret (user data is readable by anyone who can describe the launch template or scaling
 * configuration, and by every process on the instance through the metadata service): CIRRUS_NODE_IDENTITY
 * makes them read their identity from the metadata service and trade the document their cloud signed for
 * a credential bound to their instance (POST /internal/v1/instance-credentials).
 */
export function brokerLaunchSpec(
  clusterId: string,
  spec: ClusterSpec,
  /** The cluster's broker token: required for local brokers, refused for cloud ones. */
  brokerToken: string | undefined,
  options: BrokerLaunchOptions,
): LaunchSpec {
  if (launchCarriesBrokerToken(spec) !== (brokerToken !== undefined)) {
    throw new Error(
      brokerToken === undefined
        ? `broker launch on ${spec.provider}: needs the cluster's broker token`
        : `broker launch on ${spec.provider}: must not carry a broker token (its instance identity stands in)`,
    );
  }
  const env: Record<string, string> = {
    ...options.env,
    CIRRUS_CLUSTER_ID: clusterId,
    CIRRUS_CONTROL_PLANE_URL: options.controlPlaneUrl,
    CIRRUS_OBJECT_STORE: brokerObjectStoreUri(spec.objectStore),
  };
  // Whatever options.env says: a token there would land in the user data too.
  delete env.CIRRUS_BROKER_TOKEN;
  delete env.CIRRUS_BROKER_TOKEN_FILE;
  if (brokerToken !== undefined) env.CIRRUS_BROKER_TOKEN = brokerToken;
  else env.CIRRUS_NODE_IDENTITY = spec.provider;
  if (spec.provider === "local") {
    Object.assign(env, {
      CIRRUS_KAFKA_HOST: "127.0.0.1",
      CIRRUS_ADMIN_HOST: "127.0.0.1",
      CIRRUS_WAL_CAPACITY_BYTES: String(options.localWalCapacityBytes ?? 256 * 1024 * 1024),
      CIRRUS_BROKER_ENTRY: options.brokerEntry ?? defaultBrokerEntry(),
    });
    return { command: options.nodePath ?? process.execPath, args: [...BROKER_NODE_FLAGS, LOCAL_ENTRY], env };
  }
  if (!options.cloudCommand && options.bundle) {
    const { sha256, ...retry } = options.bundle;
    return {
      command: BUNDLE_LAUNCHER,
      args: [...BROKER_NODE_FLAGS],
      env,
      bundle: {
        url: `${options.controlPlaneUrl}${INTERNAL_PREFIX}${brokerBundlePath(sha256)}`,
        sha256,
        ...retry,
      },
    };
  }
  const cloud = options.cloudCommand ?? {
    command: "node",
    args: [...BROKER_NODE_FLAGS, "/opt/cirrus/apps/broker/src/main.ts"],
    cwd: "/opt/cirrus",
  };
  return { command: cloud.command, args: cloud.args, env, ...(cloud.cwd ? { cwd: cloud.cwd } : {}) };
}
