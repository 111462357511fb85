// A cluster row as if created on a cloud, for tests whose subject is not the cloud settings of its spec (the
// instance-credential routes): created as a local cluster, then its spec's provider and region set.
import { sql } from "drizzle-orm";
import { localSpec, type TestApp } from "./test-app.ts";

/**
 * Creates cluster `name` through the API and marks it as running on `provider` in `region` (with `more` of the
 * spec, e.g. its cloud settings); its id.
 */
export async function clusterOnCloud(
  t: TestApp,
  name: string,
  provider: "aws" | "aliyun",
  region: string,
  more: Record<string, unknown> = {},
): Promise<string> {
  const made = await t.app.server.inject({
    method: "POST",
    url: "/v1/clusters",
    headers: t.auth(t.admin),
    payload: { name, spec: localSpec },
  });
  const clusterId: string = made.json().cluster.id;
  const cloud = JSON.stringify({ provider, region, ...more });
  await t.testDb.database.db.execute(
    sql`update clusters set spec = spec || ${cloud}::jsonb where id = ${clusterId}`,
  );
  return clusterId;
}

/** POST /internal/v1/instance-credentials with `body`, unauthenticated (the signed identity is the proof). */
export function requestInstanceCredential(t: TestApp, body: unknown) {
  return t.app.server.inject({
    method: "POST",
    url: "/internal/v1/instance-credentials",
    payload: body as object,
  });
}
