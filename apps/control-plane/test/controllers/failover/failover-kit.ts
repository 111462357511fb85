import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openObjectStore } from "@cirrus/object-store";
import { eq } from "drizzle-orm";
import { brokerLeaseController } from "../../../src/controllers/broker-lease-controller.ts";
import { failoverHandler } from "../../../src/controllers/failover/failover-handler.ts";
import { spotNoticeController } from "../../../src/controllers/failover/spot-notice-controller.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers } from "../../../src/db/schema.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { OperationStatus } from "../../../src/services/operations.ts";
import { localSpec, ProvisionerKit } from "../provisioner/provisioner-kit.ts";

export type BrokerRow = typeof brokers.$inferSelect;

/**
 * The provisioner kit (real local provider, stand-in broker processes, PGlite) plus the lease controller
 * and the failover handler on its runner, a one-zone cluster whose brokers are registered as the real
 * broker would at start-up, and an object store folder shared by the test's "brokers".
 */
export class FailoverKit {
  readonly kit: ProvisionerKit;
  readonly objectsDir: string;
  clusterId = "";

  private constructor(kit: ProvisionerKit, objectsDir: string) {
    this.kit = kit;
    this.objectsDir = objectsDir;
  }

  static async open(
    brokerCount: number,
    options: { attachTimeoutMs?: number; spotShare?: number } = {},
  ): Promise<FailoverKit> {
    const kit = await ProvisionerKit.open();
    const self = new FailoverKit(kit, await mkdtemp(join(tmpdir(), "cirrus-failover-objects-")));
    self.#wire(options);
    if (options.spotShare) self.kit.runner.addController(spotNoticeController(kit.provisioner.providers));
    const { cluster, operation } = await createCluster(
      kit.database.db,
      {
        name: "failover",
        spec: localSpec({
          zones: ["local-a"],
          brokers: { min: brokerCount, max: brokerCount + 1 },
          spot: { share: options.spotShare ?? 0, onDemandBase: 0 },
        }),
        deletionProtection: false,
      },
      null,
    );
    self.clusterId = cluster.id;
    await kit.runUntil(async () => {
      await self.registerNewInstances();
      return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
    }, 30_000);
    return self;
  }

  #options: { attachTimeoutMs?: number } = {};

  #wire(options: { attachTimeoutMs?: number }): void {
    this.#options = { attachTimeoutMs: options.attachTimeoutMs };
    this.kit.runner.addController(brokerLeaseController(this.kit.notifier, { leaseMs: 60_000 }));
    this.kit.runner.addOperationHandler(
      failoverHandler({ providers: this.kit.provisioner.providers, notifier: this.kit.notifier, ...options }),
    );
  }

  /** A control plane SIGKILLed and started again: new runner and providers on the same database and cloud. */
  async restart(): Promise<void> {
    await this.kit.restart();
    this.#wire(this.#options);
  }

  objectStore() {
    return openObjectStore(`file://${this.objectsDir}`);
  }

  /** Registers every running instance not registered yet, with the volume the provisioner attached. */
  async registerNewInstances(): Promise<void> {
    const { kit } = this;
    const fleet = fleetNameOf(this.clusterId);
    if (!(await kit.local.describeFleet(fleet))) return;
    const instances = await kit.local.listInstances(fleet);
    const known = new Set((await this.brokers()).map((b) => b.instanceId));
    for (const instance of instances) {
      if (instance.state !== "running" || known.has(instance.id)) continue;
      const volumes = await kit.local.listVolumes({ "cirrus:cluster": this.clusterId });
      const volume = volumes.find((v) => v.attachedTo.includes(instance.id));
      if (!volume) continue;
      await registerBroker(
        kit.database.db,
        this.clusterId,
        {
          instanceId: instance.id,
          zone: instance.zone,
          host: "127.0.0.1",
          port: instance.ports!.kafka,
          volumeId: volume.id,
        },
        60_000,
      );
    }
  }

  async brokers(): Promise<BrokerRow[]> {
    return this.kit.database.db.select().from(brokers).where(eq(brokers.clusterId, this.clusterId));
  }

  async close(): Promise<void> {
    await this.kit.close();
    await rm(this.objectsDir, { recursive: true, force: true });
  }
}
