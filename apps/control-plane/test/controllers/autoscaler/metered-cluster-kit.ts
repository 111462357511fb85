// A cluster on the real local provider whose brokers are stand-ins with /metrics counters growing at a rate the
// test sets (fixtures/metered-stand-in-broker.ts reads it from a file), created and RUNNING, with the
// autoscaler's controller (and its operation handlers, if asked) in the kit's runner. Shared by the
// autoscaler's controller tests.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { and, eq } from "drizzle-orm";
import type { ClusterSpec } from "../../../src/api-schemas/clusters.ts";
import { type AutoscalerOptions, createAutoscaler } from "../../../src/controllers/autoscaler/index.ts";
import { brokers, operations } from "../../../src/db/schema.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { type Operation, OperationStatus, toOperation } from "../../../src/services/operations.ts";
import { ProvisionerKit, registerFleet } from "../provisioner/provisioner-kit.ts";

const METERED_BROKER = fileURLToPath(new URL("./fixtures/metered-stand-in-broker.ts", import.meta.url));

export interface MeteredCluster {
  kit: ProvisionerKit;
  clusterId: string;
  /** Each stand-in broker's network rate from now on, bytes/s. */
  setLoad(bytesPerSecPerBroker: number): void;
  /** What the brokers' registration and heartbeats would do: register new instances, renew leases. */
  heartbeat(): Promise<void>;
  /** The cluster's operations of `type`, oldest first. */
  ops(type: string): Promise<Operation[]>;
  close(): Promise<void>;
}

export async function openMeteredCluster(options: {
  name: string;
  spec: ClusterSpec;
  autoscaler?: AutoscalerOptions;
  /** Also run the scale-out/scale-in operations (else they stay pending). */
  withHandlers?: boolean;
}): Promise<MeteredCluster> {
  const kit = await ProvisionerKit.open({ brokerEntry: METERED_BROKER });
  const loadFile = join(kit.dataDir, "load");
  const setLoad = (bytesPerSecPerBroker: number) => writeFileSync(loadFile, String(bytesPerSecPerBroker));
  setLoad(0);
  // Brokers inherit CIRRUS_* from the control plane's environment (libs/cloud broker-process.ts).
  process.env.CIRRUS_TEST_LOAD_FILE = loadFile;
  const autoscaler = createAutoscaler({ providers: kit.provisioner.providers }, options.autoscaler);
  kit.runner.addController(autoscaler.controller());
  if (options.withHandlers)
    for (const handler of autoscaler.operationHandlers(kit.notifier)) kit.runner.addOperationHandler(handler);
  const { cluster, operation } = await createCluster(
    kit.database.db,
    { name: options.name, spec: options.spec, deletionProtection: false },
    null,
  );
  const clusterId = cluster.id;
  const heartbeat = async (): Promise<void> => {
    await registerFleet(kit, clusterId);
    await kit.database.db
      .update(brokers)
      .set({ leaseUntil: Date.now() + 30_000 })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")));
  };
  const ops = async (type: string): Promise<Operation[]> => {
    const rows = await kit.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), eq(operations.type, type)))
      .orderBy(operations.createdAt);
    return rows.map(toOperation);
  };
  await kit.runUntil(async () => {
    await heartbeat();
    return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
  });
  return {
    kit,
    clusterId,
    setLoad,
    heartbeat,
    ops,
    async close() {
      delete process.env.CIRRUS_TEST_LOAD_FILE;
      await kit.close();
    },
  };
}
