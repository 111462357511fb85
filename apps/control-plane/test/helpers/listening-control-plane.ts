import { after, before } from "node:test";
import { type Assignments, ControlPlaneClient } from "@cirrus/broker-api";
import { type Config, loadConfig } from "../../src/config.ts";
import { ControlPlane, type ControlPlaneOptions } from "../../src/control-plane.ts";
import { localSpec } from "./test-app.ts";
import { createTestDatabase, TEST_SECRETS_KEY, type TestDatabase } from "./test-database.ts";

export interface ListeningControlPlane {
  cp: ControlPlane;
  testDb: TestDatabase;
  /** Base URL of the listening server (loopback, ephemeral port). */
  url: string;
  /** Stops the control plane, then drops its database. */
  close(): Promise<void>;
}

/**
 * A started, listening control plane on a fresh database whose bootstrap admin token is `adminToken`.
 * Defaults: a 30 s lease (no broker expires mid-test) and a 20 ms reconcile interval.
 */
export async function startListeningControlPlane(
  adminToken: string,
  options: {
    backend?: "pglite" | "postgres";
    overrides?: Partial<Config>;
    /** More controllers for its runner (after the built-in ones). */
    controllers?: ControlPlaneOptions["controllers"];
  } = {},
): Promise<ListeningControlPlane> {
  const testDb = await createTestDatabase(options.backend ?? "pglite");
  const config = loadConfig(
    {},
    {
      databaseUrl: testDb.url,
      secretsKey: TEST_SECRETS_KEY,
      port: 0,
      logLevel: "silent",
      reconcileIntervalMs: 20,
      leaseMs: 30_000,
      bootstrapAdminToken: adminToken,
      ...options.overrides,
    },
  );
  const cp = await ControlPlane.start({
    config,
    database: testDb.database,
    ...(options.controllers ? { controllers: options.controllers } : {}),
  });
  const url = await cp.listen();
  return {
    cp,
    testDb,
    url,
    close: async () => {
      await cp.close();
      await testDb.drop();
    },
  };
}

/**
 * Long-polls a broker's assignments from `from` until `done` holds or `timeoutMs` passes; returns the
 * last assignments seen (the caller asserts on them, so a timeout shows as a failed assertion).
 */
export async function watchAssignmentsUntil(
  client: ControlPlaneClient,
  broker: { brokerId: number; epoch: number },
  from: Assignments,
  done: (assignments: Assignments) => boolean,
  timeoutMs = 5_000,
): Promise<Assignments> {
  let current = from;
  const deadline = Date.now() + timeoutMs;
  while (!done(current) && Date.now() < deadline) {
    current = await client.watchAssignments(broker.brokerId, {
      epoch: broker.epoch,
      after: current.version,
      waitMs: 1_000,
    });
  }
  return current;
}

/** A JSON request to the control plane's HTTP API under a bearer token: the status and the parsed body. */
export type ApiRequest = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, never> }>;

export function apiRequest(url: string, token: string): ApiRequest {
  return async (method, path, body) => {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    return { status: response.status, body: (await response.json()) as Record<string, never> };
  };
}

/** A listening control plane started before the enclosing suite's tests and closed after them. */
export interface ControlPlaneUnderTest {
  /** Throw when read outside the suite's tests (before `before` ran). */
  readonly cp: ControlPlane;
  readonly testDb: TestDatabase;
  readonly url: string;
  /** A request under the bootstrap admin token. */
  api: ApiRequest;
}

/** Registers before/after hooks in the current suite around startListeningControlPlane. */
export function useListeningControlPlane(
  adminToken: string,
  options: Parameters<typeof startListeningControlPlane>[1] = {},
): ControlPlaneUnderTest {
  let started: ListeningControlPlane | undefined;
  before(async () => {
    started = await startListeningControlPlane(adminToken, options);
  });
  after(async () => {
    await started?.close();
  });
  const current = (): ListeningControlPlane => {
    if (!started) throw new Error("the control plane is only started inside the suite's tests");
    return started;
  };
  return {
    get cp() {
      return current().cp;
    },
    get testDb() {
      return current().testDb;
    },
    get url() {
      return current().url;
    },
    api: (method, path, body) => apiRequest(current().url, adminToken)(method, path, body),
  };
}

/**
 * The set-up a single move needs: a cluster made through the API, broker `a` leading topic `t`'s one partition
 * with its stream open, and an idle broker `b` to move it to.
 */
export async function onePartitionOnTwoBrokers(api: ApiRequest, url: string, name: string) {
  const created = (await api("POST", "/v1/clusters", { name, spec: localSpec })).body as unknown as {
    cluster: { id: string };
    brokerToken: string;
  };
  const client = new ControlPlaneClient({ baseUrl: url, token: created.brokerToken });
  const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
  await client.createTopic({ name: "t", partitions: 1 });
  const b = await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002 });
  const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
  const [p] = onA.open;
  if (!p) throw new Error("the partition is not on a");
  await client.openStream(p.streamId, p.leaderEpoch, a.brokerId);
  return { clusterId: created.cluster.id, client, a, b, onA, p };
}
