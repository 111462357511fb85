import { type App, type BuildOptions, build } from "../../src/app.ts";
import { ApiTokens } from "../../src/auth/api-tokens.ts";
import { ensureFirstAdminToken } from "../../src/auth/first-admin-token.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createTestDatabase, TEST_SECRETS_KEY, type TestDatabase } from "./test-database.ts";

export interface TestApp {
  app: App;
  testDb: TestDatabase;
  admin: string;
  operator: string;
  viewer: string;
  /** Authorization header for a token. */
  auth(token: string): { authorization: string };
  close(): Promise<void>;
}

/** A built (not listening) control plane on a fresh database, with one token of each scope. */
export async function createTestApp(
  kind: "pglite" | "postgres",
  overrides: Partial<Config> = {},
  options: Pick<BuildOptions, "clock" | "scheduleAt"> = {},
): Promise<TestApp> {
  const testDb = await createTestDatabase(kind);
  const config = loadConfig(
    {},
    {
      databaseUrl: testDb.url,
      secretsKey: TEST_SECRETS_KEY,
      logLevel: "silent",
      leaseMs: 2_000,
      ...overrides,
    },
  );
  const app = await build({ config, database: testDb.database, ...options });
  const admin = (await ensureFirstAdminToken(testDb.database.db))!;
  const tokens = new ApiTokens(testDb.database.db);
  const operator = (await tokens.create("operator", "operator")).secret;
  const viewer = (await tokens.create("viewer", "viewer")).secret;
  return {
    app,
    testDb,
    admin,
    operator,
    viewer,
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    close: async () => {
      await app.server.close();
      await testDb.drop();
    },
  };
}

/** A cluster made through POST /v1/clusters with the admin token and `localSpec`: its id and broker token. */
export async function createLocalCluster(
  t: TestApp,
  name: string,
): Promise<{ id: string; brokerToken: string }> {
  const made = await t.app.server.inject({
    method: "POST",
    url: "/v1/clusters",
    headers: t.auth(t.admin),
    payload: { name, spec: localSpec },
  });
  if (made.statusCode !== 202) throw new Error(`POST /v1/clusters: ${made.statusCode} ${made.body}`);
  return { id: made.json().cluster.id, brokerToken: made.json().brokerToken };
}

export const localSpec = {
  provider: "local",
  region: "local",
  zones: ["zone-a"],
  instanceTypes: ["local"],
  spot: { share: 0, onDemandBase: 1 },
  brokers: { min: 1, max: 3 },
  scaling: {
    highWatermarkBytesPerSec: 100_000_000,
    lowWatermarkBytesPerSec: 10_000_000,
    cooldownSeconds: 300,
  },
  objectStore: { uri: "file:///tmp/cirrus-objects" },
  walVolumeGiB: 1,
} as const;
