// The whole control plane (composeControlPlane: API, provisioner, spot notices, failover, autoscaler) in this
// process, its aws or aliyun provider the REAL provider (AwsProvider, AliyunProvider) over an emulated
// region's clients (EmulatedAwsCloud, EmulatedAliyunCloud): the seam is the composition's `createProvider`,
// the way libs/cloud's conformance suite injects clients. The brokers it launches boot from their launch
// template's / scaling configuration's user data on emulated instances, reach it over loopback, prove who
// they are with their cloud's signed identity (verified with the region certificate given here; on aws with a
// sts:GetCallerIdentity their instance role signed too, sent to the region's STS: moto), and store data under
// the cluster's object store.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type CloudProvider, createProvider } from "@cirrus/cloud";
import {
  type ComposedControlPlane,
  type Config,
  composeControlPlane,
  loadConfig,
} from "@cirrus/control-plane";
import { sharedBrokerBundle } from "./broker-bundle.ts";

export interface EmulatedControlPlane {
  readonly composed: ComposedControlPlane;
  readonly url: string;
  readonly adminToken: string;
  /** An authenticated call to the REST API; the parsed body (undefined when empty). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The emulated region the control plane's provider of `kind` reaches. */
export interface EmulatedCloudSeam {
  readonly kind: "aws" | "aliyun";
  readonly region: string;
  /** PEM of the region's identity certificate or public key (what the cloud publishes). */
  readonly identityCertificate: string;
  /** The real provider over the region's clients. */
  provider(): CloudProvider;
  /** The control plane's environment: the cloud credentials its provider registry asks for. */
  readonly env?: NodeJS.ProcessEnv;
  /** More of the control plane's config the region needs (aws: the STS endpoint instance proofs go to). */
  readonly config?: Partial<Config>;
}

export interface EmulatedControlPlaneOptions {
  readonly cloud: EmulatedCloudSeam;
  readonly dataDir: string;
  readonly leaseMs?: number;
  /** Extra broker environment (in the user data). */
  readonly brokerEnv?: Record<string, string>;
  /**
   * A control plane that can be restarted: its database is a PGlite folder under `dataDir` (not memory), it
   * listens on this port (brokers keep the URL their user data names) and its first admin token is this.
   */
  readonly restartable?: { readonly port: number; readonly adminToken: string };
  /**
   * `<operation type>:<step>`: the controller runner stops for good once that step's SUCCEEDED is written (config
   * testHaltAfterStep); `composed.controlPlane.runner.halted()` says where. A restart test's deterministic cut.
   */
  readonly haltAfterStep?: string;
}

export async function startControlPlaneOnEmulatedCloud(
  options: EmulatedControlPlaneOptions,
): Promise<EmulatedControlPlane> {
  const { cloud, restartable } = options;
  const adminToken = restartable?.adminToken ?? `cpt_emulated_${randomBytes(16).toString("hex")}`;
  const certificates = JSON.stringify({ [cloud.region]: cloud.identityCertificate });
  const config = loadConfig(
    {},
    {
      databaseUrl: restartable ? join(options.dataDir, "control-plane", "db") : "memory://",
      dataDir: join(options.dataDir, "control-plane"),
      host: "127.0.0.1",
      port: restartable?.port ?? 0,
      logLevel: "silent",
      reconcileIntervalMs: 100,
      ...(options.haltAfterStep ? { testHaltAfterStep: options.haltAfterStep } : {}),
      leaseMs: options.leaseMs ?? 3_000,
      bootstrapAdminToken: adminToken,
      ...(cloud.kind === "aws"
        ? { awsInstanceIdentityCertificates: certificates }
        : { aliyunInstanceIdentityCertificates: certificates }),
      ...cloud.config,
    },
  );
  const composed = await composeControlPlane(config, {
    env: cloud.env ?? {},
    // A stock image: the user data fetches this bundle from the control plane, checks it and runs it.
    brokerBundle: await sharedBrokerBundle(),
    launch: {
      env: {
        CIRRUS_WAL_CAPACITY_BYTES: String(16 * 1024 * 1024),
        CIRRUS_KAFKA_PORT: "0",
        CIRRUS_ADMIN_PORT: "0",
        CIRRUS_DATA_DIR: "data",
        CIRRUS_INTERRUPTION_POLL_MS: "200",
        ...options.brokerEnv,
      },
    },
    createProvider: (providerConfig) =>
      providerConfig.kind === cloud.kind ? cloud.provider() : createProvider(providerConfig),
    provisionerIntervalMs: { [cloud.kind]: 250 },
  });
  let url: string;
  try {
    url = await composed.listen();
  } catch (error) {
    await composed.close();
    throw error;
  }
  return {
    composed,
    url,
    adminToken,
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    close: () => composed.close(),
  };
}
