import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { and, eq } from "drizzle-orm";
import { loadConfig } from "../../src/config.ts";
import { ControlPlane } from "../../src/control-plane.ts";
import { operations, streams } from "../../src/db/schema.ts";
import { getOperation, type Operation } from "../../src/services/operations.ts";
import { localSpec } from "../helpers/test-app.ts";
import {
  createTestDatabase,
  TEST_SECRETS_KEY,
  type TestDatabase,
  testBackends,
} from "../helpers/test-database.ts";

const ADMIN = "cpt_test-admin-token-for-the-resume-suite";

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const backend of testBackends()) {
  describe(`an operation interrupted by a control-plane restart, on ${backend}`, { timeout: 60_000 }, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it("resumes at the interrupted step on the next leader and finishes without duplicates", async () => {
      const testDb: TestDatabase = await createTestDatabase(backend);
      cleanups.push(() => testDb.drop());
      const config = loadConfig(
        {},
        {
          databaseUrl: testDb.url,
          secretsKey: TEST_SECRETS_KEY,
          port: 0,
          logLevel: "silent",
          reconcileIntervalMs: 20,
          bootstrapAdminToken: ADMIN,
        },
      );

      // First life: the deprovision step starts, then the process "dies" in the middle of it.
      let entered!: () => void;
      const enteredStep = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let kill!: (error: Error) => void;
      const first = await ControlPlane.start({
        config,
        database: testDb.database,
        deprovision: () => {
          entered();
          return new Promise((_, reject) => {
            kill = reject;
          });
        },
      });
      cleanups.push(() => first.close());
      const url = await first.listen();
      const api = (method: string, path: string, body?: unknown) =>
        fetch(url + path, {
          method,
          headers: {
            authorization: `Bearer ${ADMIN}`,
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : null,
        });
      const created = (await (
        await api("POST", "/v1/clusters", { name: "doomed", spec: localSpec })
      ).json()) as {
        cluster: { id: string };
        brokerToken: string;
      };
      const clusterId = created.cluster.id;
      const brokerClient = new ControlPlaneClient({ baseUrl: url, token: created.brokerToken });
      const { brokerId, epoch } = await brokerClient.register({
        instanceId: "i-1",
        zone: "z",
        host: "127.0.0.1",
        port: 9092,
      });
      await brokerClient.createTopic({ name: "t", partitions: 2 });
      await api("PATCH", `/v1/clusters/${clusterId}`, { version: 1, deletionProtection: false });
      const deletion = (await (await api("DELETE", `/v1/clusters/${clusterId}?purge=true`)).json()) as {
        operation: Operation;
      };
      const opId = deletion.operation.id;

      await enteredStep;
      const heartbeat = await brokerClient.heartbeat(brokerId, { epoch }).catch((e: unknown) => e);
      assert.equal((heartbeat as { code?: string }).code, "BROKER_FENCED", "fence-brokers took effect");
      // The process dies: its step never completes, its session (and leadership) ends.
      const stopping = first.close();
      kill(new Error("process killed"));
      await stopping;
      const interrupted = (await getOperation(testDb.database.db, opId))!;
      assert.equal(interrupted.status, "RUNNING");
      assert.deepEqual(
        interrupted.steps.map((s) => [s.name, s.status]),
        [
          ["drain-brokers", "SUCCEEDED"],
          ["fence-brokers", "SUCCEEDED"],
          ["deprovision-resources", "RUNNING"],
          ["release-streams", "PENDING"],
          ["remove-metadata", "PENDING"],
        ],
      );
      assert.equal(interrupted.progress, 0.4);

      // Second life: a new control plane on the same database picks the operation up.
      let deprovisions = 0;
      const second = await ControlPlane.start({
        config,
        database: testDb.database,
        deprovision: async () => {
          deprovisions++;
          return undefined;
        },
      });
      cleanups.push(() => second.close());
      const done = await until("the operation to finish", async () => {
        const op = await getOperation(testDb.database.db, opId);
        return op && op.status !== "RUNNING" && op.status !== "PENDING" ? op : undefined;
      });
      assert.equal(done.status, "SUCCEEDED", JSON.stringify(done.error));
      assert.equal(done.progress, 1);
      assert.ok(done.steps.every((s) => s.status === "SUCCEEDED" && s.finishedAt! >= s.startedAt!));
      assert.deepEqual(
        done.steps.slice(0, 2),
        interrupted.steps.slice(0, 2),
        "finished steps did not run again",
      );
      assert.equal(deprovisions, 1);
      assert.equal(done.attempts, 1, "the interrupted attempt is on record");

      const ops = await testDb.database.db
        .select({ id: operations.id })
        .from(operations)
        .where(and(eq(operations.clusterId, clusterId), eq(operations.type, "cluster.delete")));
      assert.equal(ops.length, 1, "no duplicate operation");
      const gone = await second.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${clusterId}`,
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      assert.equal(gone.statusCode, 404);
      const left = await testDb.database.db
        .select({ id: streams.id })
        .from(streams)
        .where(and(eq(streams.clusterId, clusterId), eq(streams.deleted, false)));
      assert.deepEqual(left, [], "purge deleted the streams");
    });
  });
}
