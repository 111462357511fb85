// A drain's next wave is released as soon as a move of the wave before it landed (its source closed the
// stream), by the close's completion in-process: not at the runner's next interval (a minute here) and not when
// the runner's next pass reaches the operation (the pass is held in a controller here until the end).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { getOperation } from "../../src/services/operations.ts";
import {
  apiRequest,
  type ListeningControlPlane,
  startListeningControlPlane,
  watchAssignmentsUntil,
} from "../helpers/listening-control-plane.ts";
import { localSpec } from "../helpers/test-app.ts";

const ADMIN = "cpt_test-admin-token-for-the-drain-wave-suite";

/** A controller whose reconcile waits while the gate is shut: a runner pass that does not end. */
class Gate {
  #open = true;
  #release: () => void = () => {};
  #released: Promise<void> = Promise.resolve();
  #entered: () => void = () => {};
  /** Resolves once a pass waits at the shut gate. */
  entered: Promise<void> = Promise.resolve();

  shut(): void {
    this.#open = false;
    this.#released = new Promise((resolve) => {
      this.#release = resolve;
    });
    this.entered = new Promise((resolve) => {
      this.#entered = resolve;
    });
  }

  open(): void {
    this.#open = true;
    this.#release();
  }

  readonly controller = {
    name: "gate",
    reconcile: async () => {
      if (this.#open) return;
      this.#entered();
      await this.#released;
    },
  };
}

describe("a drain's next wave", { timeout: 60_000 }, () => {
  const gate = new Gate();
  let server: ListeningControlPlane;
  before(async () => {
    server = await startListeningControlPlane(ADMIN, {
      // One move at a time off a broker: three partitions are three waves. No interval pass during the test.
      overrides: { reconcileIntervalMs: 60_000, moveLimitPerBroker: 1 },
      controllers: () => [gate.controller],
    });
  });
  after(async () => {
    gate.open();
    await server.close();
  });
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> =>
    (await apiRequest(server.url, ADMIN)(method, path, body)).body;

  it("is released when a move of the wave before landed, while the runner's pass is held", async () => {
    const created = (await api("POST", "/v1/clusters", { name: "waves", spec: localSpec })) as {
      cluster: { id: string };
      brokerToken: string;
    };
    const client = new ControlPlaneClient({ baseUrl: server.url, token: created.brokerToken });
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await client.createTopic({ name: "t", partitions: 3 });
    const b = await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002 });
    const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
    assert.equal(onA.open.length, 3);
    for (const p of onA.open) await client.openStream(p.streamId, p.leaderEpoch, a.brokerId);

    const op = (await api("POST", `/v1/clusters/${created.cluster.id}/brokers/${a.brokerId}/drain`)) as {
      id: string;
    };
    const first = await watchAssignmentsUntil(client, a, onA, (x) => x.close.length >= 1);
    assert.equal(first.close.length, 1, "the first wave: one move (the per-broker limit)");
    const [moving] = first.close;

    // From here on a runner pass never gets past the controllers, so never reaches the drain's steps.
    gate.shut();
    server.cp.runner.wake();
    await gate.entered;

    await client.closeStream(moving!.streamId, moving!.leaderEpoch);
    const second = await watchAssignmentsUntil(
      client,
      a,
      first,
      (x) => x.close.some((c) => c.streamId !== moving!.streamId),
      10_000,
    );
    const next = second.close.filter((c) => c.streamId !== moving!.streamId);
    assert.equal(next.length, 1, "the second wave is released at once, within the limit");
    assert.equal((await getOperation(server.testDb.database.db, op.id))!.status, "RUNNING");

    await client.closeStream(next[0]!.streamId, next[0]!.leaderEpoch);
    const third = await watchAssignmentsUntil(
      client,
      a,
      second,
      (x) => x.close.some((c) => c.streamId !== moving!.streamId && c.streamId !== next[0]!.streamId),
      10_000,
    );
    const last = third.close.filter(
      (c) => c.streamId !== moving!.streamId && c.streamId !== next[0]!.streamId,
    );
    assert.equal(last.length, 1, "the third wave");

    // The runner's pass goes on: the operation's wait-for-close step sees the drain through.
    gate.open();
    await client.closeStream(last[0]!.streamId, last[0]!.leaderEpoch);
    const deadline = Date.now() + 10_000;
    let status = "";
    while (status !== "SUCCEEDED" && Date.now() < deadline) {
      status = (await getOperation(server.testDb.database.db, op.id))!.status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, "SUCCEEDED");
    const onB = await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 });
    assert.equal(onB.open.length, 3, "every partition of the drained broker went to the other");
  });
});
