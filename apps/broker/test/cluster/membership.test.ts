import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BrokerApiError, type HeartbeatRequest, type RegisterBrokerRequest } from "@cirrus/broker-api";
import { Lease } from "../../src/cluster/lease.ts";
import {
  type BrokerIdentity,
  BrokerMembership,
  type MembershipClient,
} from "../../src/cluster/membership.ts";
import { isBrokerError } from "../../src/errors.ts";

const registration: RegisterBrokerRequest = { instanceId: "i-1", zone: "z", host: "127.0.0.1", port: 9092 };
const noLoad = () => ({ bytesInPerSec: 0, bytesOutPerSec: 0, partitions: [] });

/** A control plane in memory: epochs grow per registration, heartbeats with an old epoch are fenced. */
function scriptedControlPlane(leaseMs: number) {
  let epoch = 0;
  const heartbeats: HeartbeatRequest[] = [];
  const state = { failHeartbeats: false, fenceNext: false, failRegistrations: 0 };
  const client: MembershipClient = {
    async register() {
      if (state.failRegistrations > 0) {
        state.failRegistrations--;
        throw new BrokerApiError("NETWORK", "connection refused");
      }
      epoch++;
      return { clusterId: "c", brokerId: 7, epoch, leaseMs };
    },
    async heartbeat(_brokerId, request) {
      heartbeats.push(request);
      if (state.failHeartbeats) throw new BrokerApiError("NETWORK", "down");
      if (state.fenceNext || request.epoch !== epoch) {
        state.fenceNext = false;
        throw new BrokerApiError("BROKER_FENCED", "fenced", { status: 409 });
      }
      return { leaseUntil: Date.now() + leaseMs, assignmentVersion: 3 };
    },
  };
  return { client, heartbeats, state };
}

test("the lease counts from the send time and expires on its own", async () => {
  let now = 1_000;
  const lease = new Lease(() => now);
  assert.equal(lease.valid, false);
  lease.renew(900, 300);
  assert.equal(lease.valid, true);
  assert.equal(lease.remainingMs, 200);
  now = 1_200;
  assert.equal(lease.valid, false, "valid until sentAt + leaseMs, exclusive");
  lease.renew(1_100, 300);
  lease.renew(1_000, 300);
  assert.equal(lease.remainingMs, 200, "an older renewal never shortens the lease");
  lease.expire();
  assert.equal(lease.valid, false);
});

test("registers, heartbeats with load, keeps the lease valid and reports assignment versions", async () => {
  const cp = scriptedControlPlane(300);
  const versions: number[] = [];
  const membership = new BrokerMembership({
    client: cp.client,
    registration,
    load: () => ({ bytesInPerSec: 5, bytesOutPerSec: 1, partitions: [] }),
    onFenced: () => {},
    onRegistered: () => {},
    onAssignmentVersion: (v) => versions.push(v),
    log: () => {},
  });
  const identity = await membership.start();
  assert.deepEqual(identity, { clusterId: "c", brokerId: 7, epoch: 1, leaseMs: 300 });
  await sleep(700);
  assert.ok(membership.lease.valid, "heartbeats at a third of the lease keep it valid");
  assert.ok(cp.heartbeats.length >= 4, `heartbeats sent: ${cp.heartbeats.length}`);
  assert.equal(cp.heartbeats[0]?.load?.bytesInPerSec, 5);
  assert.equal(versions[0], 3);
  membership.stop();
  assert.equal(membership.lease.valid, false);
});

test("when heartbeats fail the lease runs out: no acks past it", async () => {
  const cp = scriptedControlPlane(200);
  const membership = new BrokerMembership({
    client: cp.client,
    registration,
    load: noLoad,
    onFenced: () => {},
    onRegistered: () => {},
    log: () => {},
  });
  await membership.start();
  cp.state.failHeartbeats = true;
  await sleep(350);
  assert.equal(membership.lease.valid, false);
  cp.state.failHeartbeats = false;
  await sleep(300);
  assert.equal(membership.lease.valid, true, "a heartbeat that gets through renews it again");
  membership.stop();
});

test("a fenced broker drops its partitions, re-registers with a new epoch and carries on", async () => {
  const cp = scriptedControlPlane(300);
  const fenced: BrokerIdentity[] = [];
  const registered: BrokerIdentity[] = [];
  const membership = new BrokerMembership({
    client: cp.client,
    registration,
    load: noLoad,
    onFenced: (identity) => {
      fenced.push(identity);
    },
    onRegistered: (identity) => registered.push(identity),
    log: () => {},
  });
  await membership.start();
  cp.state.fenceNext = true;
  await sleep(400);
  assert.equal(fenced.length, 1);
  assert.equal(fenced[0]?.epoch, 1);
  assert.deepEqual(
    registered.map((r) => r.epoch),
    [1, 2],
  );
  assert.equal(membership.identity?.epoch, 2);
  assert.ok(membership.lease.valid);
  membership.stop();
});

test("registration retries transient failures and gives up on a deadline with a typed error", async () => {
  const cp = scriptedControlPlane(300);
  cp.state.failRegistrations = 2;
  const membership = new BrokerMembership({
    client: cp.client,
    registration,
    load: noLoad,
    onFenced: () => {},
    onRegistered: () => {},
    log: () => {},
  });
  assert.equal((await membership.start()).epoch, 1);
  membership.stop();

  cp.state.failRegistrations = 1_000;
  const stubborn = new BrokerMembership({
    client: cp.client,
    registration,
    load: noLoad,
    onFenced: () => {},
    onRegistered: () => {},
    log: () => {},
  });
  await assert.rejects(
    stubborn.start(150),
    (e) => isBrokerError(e, "CONTROL_PLANE_UNAVAILABLE") && e.retriable,
  );
  stubborn.stop();
});
