import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { recoverForeignWal, Storage } from "@cirrus/s3stream";
import { and, eq } from "drizzle-orm";
import { FAILOVER_OPERATION } from "../../../src/controllers/broker-lease-controller.ts";
import { clearBlankVolume } from "../../../src/controllers/provisioner/local-broker-entry.ts";
import { brokers, operations, partitions, streams, volumes } from "../../../src/db/schema.ts";
import { DbObjectManager } from "../../../src/objects/db-object-manager.ts";
import { readAssignments, registerBroker } from "../../../src/services/brokers.ts";
import { stepsOf } from "../../../src/services/operation-catalog.ts";
import { OperationStatus } from "../../../src/services/operations.ts";
import { createTopic } from "../../../src/services/topics.ts";
import { FailoverKit } from "./failover-kit.ts";

const RECORDS = 40;
const payload = (streamId: number, offset: number) => Buffer.from(`s${streamId}-o${offset}`);

describe("broker.failover on the local provider", { timeout: 90_000 }, () => {
  let fk: FailoverKit;
  let scratch: string;
  before(async () => {
    fk = await FailoverKit.open(2, { attachTimeoutMs: 1_500 });
    scratch = await mkdtemp(join(tmpdir(), "cirrus-failover-wal-"));
  });
  after(async () => {
    await fk.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function failoverOp() {
    const [row] = await fk.kit.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, fk.clusterId), eq(operations.type, FAILOVER_OPERATION)));
    return row;
  }

  it("recovers every acked record of a killed broker, reassigns its partitions and fences its epoch", async () => {
    const db = fk.kit.database.db;
    const manager = new DbObjectManager({ db, clusterId: fk.clusterId });
    await createTopic(db, fk.clusterId, { name: "t", partitions: 2 });
    const [dead, healthy] = (await fk.brokers()).sort((a, b) => a.brokerId - b.brokerId);
    assert.ok(dead && healthy && dead.volumeId);
    const led = await db.select().from(partitions).where(eq(partitions.leaderBrokerId, dead.brokerId));
    assert.ok(led.length > 0, "the broker to kill leads a partition");

    // The broker writes through its WAL volume (acked = on the WAL) and dies before any upload.
    const deadVolume = (await fk.kit.local.describeVolume(dead.volumeId))!;
    const deadPath = deadVolume.paths![dead.instanceId]!;
    await clearBlankVolume(deadPath);
    const objectStore = fk.objectStore();
    const deadStorage = await Storage.open({
      walPath: deadPath,
      walCapacity: 16 * 1024 * 1024,
      objectStore,
      objectManager: manager,
      nodeId: dead.brokerId,
      nodeEpoch: dead.epoch,
      uploadIntervalMs: 600_000,
    });
    for (const p of led) {
      const stream = await deadStorage.openStream(p.streamId, p.leaderEpoch);
      for (let i = 0; i < RECORDS; i++) await stream.append({ payload: payload(p.streamId, i), count: 1 });
    }
    process.kill(fk.kit.local.pidOf(dead.instanceId)!, "SIGKILL");
    await db.update(brokers).set({ leaseUntil: 1 }).where(eq(brokers.instanceId, dead.instanceId));

    // Fenced, the failover attaches the volume to the healthy broker and assigns it the recovery.
    const recovering = await fk.kit.runUntil(async () => {
      const [row] = await db.select().from(volumes).where(eq(volumes.id, dead.volumeId!));
      return row && row.recoveringBrokerId >= 0 ? row : undefined;
    });
    assert.equal(recovering.recoveringBrokerId, healthy.brokerId);
    const op = await failoverOp();
    assert.deepEqual(op?.input, { brokerId: dead.brokerId, epoch: dead.epoch, volumeId: dead.volumeId });
    const attached = (await fk.kit.local.describeVolume(dead.volumeId))!;
    assert.deepEqual(attached.attachedTo, [healthy.instanceId], "force-detached from the dead instance");
    const assignments = await readAssignments(db, fk.clusterId, healthy.brokerId);
    assert.deepEqual(assignments.recover, [
      { volumeId: dead.volumeId, ownerBrokerId: dead.brokerId, ownerEpoch: dead.epoch },
    ]);

    // A control plane crash here: the restarted one waits on the same recoverer (no second attach).
    await fk.restart();
    for (let i = 0; i < 3; i++) await fk.kit.runner.runOnce();
    assert.equal((await failoverOp())!.status, OperationStatus.RUNNING, "waits for the replay report");
    assert.deepEqual((await fk.kit.local.describeVolume(dead.volumeId))!.attachedTo, [healthy.instanceId]);
    const stillLed = await db.select().from(partitions).where(eq(partitions.leaderBrokerId, dead.brokerId));
    assert.equal(stillLed.length, led.length, "nothing moves before the WAL is replayed");

    // The healthy broker replays the attached WAL (what apps/broker's VolumeRecoverer does).
    await recoverForeignWal(attached.paths![healthy.instanceId]!, {
      objectStore,
      objectManager: manager,
      nodeId: healthy.brokerId,
      nodeEpoch: healthy.epoch,
    });
    const done = await fk.kit.runUntil(async () => {
      const row = await failoverOp();
      return row?.status === OperationStatus.SUCCEEDED || row?.status === OperationStatus.FAILED
        ? row
        : undefined;
    });
    assert.equal(done.status, OperationStatus.SUCCEEDED, JSON.stringify(done.error));

    // Reassigned with new leader epochs; the recovered volume is released.
    for (const before of led) {
      const [now] = await db
        .select()
        .from(partitions)
        .where(and(eq(partitions.topicId, before.topicId), eq(partitions.partition, before.partition)));
      assert.equal(now!.leaderBrokerId, healthy.brokerId);
      assert.ok(now!.leaderEpoch > before.leaderEpoch, "a new leader epoch");
      const [stream] = await db.select().from(streams).where(eq(streams.id, before.streamId));
      assert.equal(stream!.endOffset, RECORDS, "every acked record is in object storage");
    }
    assert.equal(await fk.kit.local.describeVolume(dead.volumeId), undefined);
    assert.equal((await readAssignments(db, fk.clusterId, healthy.brokerId)).recover.length, 0);

    // The new leader reads every record, in order, exactly once.
    const reader = await Storage.open({
      walPath: join(scratch, "reader.wal"),
      walCapacity: 16 * 1024 * 1024,
      objectStore,
      objectManager: manager,
      nodeId: healthy.brokerId,
      nodeEpoch: healthy.epoch,
    });
    const [first] = await db.select().from(partitions).where(eq(partitions.streamId, led[0]!.streamId));
    const stream = await reader.openStream(first!.streamId, first!.leaderEpoch);
    const records = await stream.read(0, RECORDS, 1 << 20);
    assert.deepEqual(
      records.map((r) => r.payload.toString()),
      Array.from({ length: RECORDS }, (_, i) => payload(first!.streamId, i).toString()),
    );
    await reader.shutdown();

    // Invariant 2: the fenced epoch can never commit again.
    const objectId = await manager.prepareObjects(1, 60_000);
    await assert.rejects(
      manager.commitStreamSetObject({
        objectId,
        objectSize: 8,
        nodeId: dead.brokerId,
        nodeEpoch: dead.epoch,
        ranges: [
          {
            streamId: led[0]!.streamId,
            streamEpoch: led[0]!.leaderEpoch,
            startOffset: RECORDS,
            endOffset: RECORDS + 1,
            position: 0,
            length: 8,
          },
        ],
        streamObjects: [],
        compactedObjectIds: [],
      }),
      (error: { code?: string }) => error.code === "STREAM_FENCED",
    );
  });

  /** Runs passes until the operation ends; returns its row. */
  async function finish(id: string) {
    return fk.kit.runUntil(async () => {
      const op = await fk.kit.operation(id);
      return op.status === OperationStatus.SUCCEEDED || op.status === OperationStatus.FAILED ? op : undefined;
    });
  }

  /**
   * A stored broker.failover row, written as a row (not through createOperation, which refuses an input that
   * does not fit the catalog): the handler must also cope with rows an older version or a hand wrote.
   */
  async function failoverOf(input: Record<string, unknown>) {
    const now = Date.now();
    const [row] = await fk.kit.database.db
      .insert(operations)
      .values({
        id: crypto.randomUUID(),
        clusterId: fk.clusterId,
        type: FAILOVER_OPERATION,
        status: OperationStatus.PENDING,
        input,
        steps: stepsOf(FAILOVER_OPERATION).map((name) => ({
          name,
          status: OperationStatus.PENDING,
          startedAt: null,
          finishedAt: null,
          error: null,
        })),
        createdBy: "test",
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return row!;
  }

  it("fails at once, without retries, on an input that names no broker, epoch and volume", async () => {
    const op = await finish((await failoverOf({ brokerId: "x" })).id);
    assert.equal(op.status, OperationStatus.FAILED);
    assert.equal(op.error?.code, "FAILOVER_BAD_INPUT");
    assert.equal(op.attempts, 1);
  });

  it("fails when the WAL volume no longer exists (its records cannot be recovered)", async () => {
    const [b] = await fk.brokers();
    const op = await finish(
      (await failoverOf({ brokerId: b!.brokerId, epoch: b!.epoch, volumeId: "vol-gone" })).id,
    );
    assert.equal(op.status, OperationStatus.FAILED);
    assert.equal(op.error?.code, "FAILOVER_VOLUME_LOST");
  });

  it("waits while the volume's zone has no healthy broker, then times out", async () => {
    const volume = await fk.kit.local.createVolume({
      zone: "local-b",
      sizeGiB: 1,
      type: "file",
      multiAttach: false,
      clientToken: "failover-test-other-zone",
      tags: {},
    });
    const [b] = await fk.brokers();
    const created = await failoverOf({ brokerId: b!.brokerId, epoch: b!.epoch, volumeId: volume.id });
    await fk.kit.runner.runOnce();
    const waiting = await fk.kit.operation(created.id);
    assert.equal(waiting.status, OperationStatus.RUNNING);
    assert.equal(waiting.steps[0]?.status, OperationStatus.RUNNING, "attach-volume waits (STEP_WAIT)");
    assert.equal(waiting.attempts, 0, "waiting is not a failed attempt");
    const op = await finish(created.id);
    assert.equal(op.error?.code, "FAILOVER_TIMEOUT");
    assert.deepEqual(
      (await fk.kit.local.describeVolume(volume.id))!.attachedTo,
      [],
      "never attached across zones",
    );
    await fk.kit.local.deleteVolume(volume.id);
  });

  it("does nothing when the fenced broker came back with its volume before it was taken", async () => {
    const db = fk.kit.database.db;
    await fk.kit.runUntil(async () => {
      await fk.registerNewInstances();
      return (await fk.brokers()).filter((b) => b.state === "ACTIVE").length >= 2 ? true : undefined;
    });
    const back = (await fk.brokers())
      .filter((b) => b.state === "ACTIVE")
      .sort((a, b) => b.brokerId - a.brokerId)[0]!;
    const created = await failoverOf({ brokerId: back.brokerId, epoch: back.epoch, volumeId: back.volumeId });
    await registerBroker(
      db,
      fk.clusterId,
      {
        instanceId: back.instanceId,
        zone: back.zone,
        host: back.host,
        port: back.port,
        volumeId: back.volumeId!,
      },
      60_000,
    );
    const op = await finish(created.id);
    assert.equal(op.status, OperationStatus.SUCCEEDED);
    assert.deepEqual((await fk.kit.local.describeVolume(back.volumeId!))!.attachedTo, [back.instanceId]);
    const [row] = await db.select().from(brokers).where(eq(brokers.instanceId, back.instanceId));
    assert.equal(row!.state, "ACTIVE");
    assert.equal(row!.volumeId, back.volumeId, "its volume stays its own");
  });

  it("goes on once the volume was taken, even if the fenced broker re-registers meanwhile; then gives it back", async () => {
    const db = fk.kit.database.db;
    const active = (await fk.brokers()).filter((b) => b.state === "ACTIVE");
    assert.ok(active.length >= 2, "two ACTIVE brokers in the zone");
    const owner = active.sort((a, b) => b.brokerId - a.brokerId)[0]!;
    const created = await failoverOf({
      brokerId: owner.brokerId,
      epoch: owner.epoch,
      volumeId: owner.volumeId,
    });
    await fk.kit.runner.runOnce(); // attach-volume done, replay-wal assigned and waiting
    const taken = (await fk.kit.local.describeVolume(owner.volumeId!))!;
    assert.ok(!taken.attachedTo.includes(owner.instanceId), "taken from the owner");
    await registerBroker(
      db,
      fk.clusterId,
      {
        instanceId: owner.instanceId,
        zone: owner.zone,
        host: owner.host,
        port: owner.port,
        volumeId: owner.volumeId!,
      },
      60_000,
    );
    const op = await finish(created.id);
    assert.equal(op.status, OperationStatus.SUCCEEDED);
    assert.ok(
      op.steps.every((step) => step.status === OperationStatus.SUCCEEDED),
      "replayed and released, not skipped",
    );
    // The owner came back under a new epoch expecting this WAL (its storage waits for it): it gets the
    // replayed volume back instead of losing it, and replaying it again commits nothing twice.
    const back = await fk.kit.local.describeVolume(owner.volumeId!);
    assert.deepEqual(back?.attachedTo, [owner.instanceId], "the volume is the owner's again");
  });

  it("never detaches a fenced broker's volume while no broker can take it (all fenced at once)", async () => {
    const db = fk.kit.database.db;
    const all = (await fk.brokers()).filter((b) => b.state === "ACTIVE");
    const owner = all[0]!;
    // Every broker of the zone lost its lease at once: none is healthy to take the volume.
    await db.update(brokers).set({ leaseUntil: 1 }).where(eq(brokers.clusterId, fk.clusterId));
    // (A pass after a gap in watching renews instead of fencing; leases that ran out long before it do not count.)
    const anyActive = async () => (await fk.brokers()).some((b) => b.state === "ACTIVE");
    for (let pass = 0; pass < 3 && (await anyActive()); pass++) await fk.kit.runner.runOnce();
    assert.equal(await anyActive(), false, "every broker fenced");
    for (let i = 0; i < 3; i++) await fk.kit.runner.runOnce();
    const volume = await fk.kit.local.describeVolume(owner.volumeId!);
    assert.deepEqual(volume?.attachedTo, [owner.instanceId], "the volume stays with its owner");
  });
});
