// The control plane's close does not wait for a connection that never sent a request (Node would hold
// server.close() for headersTimeout, 60 s and more), while a request in flight is still answered.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { startListeningControlPlane } from "../helpers/listening-control-plane.ts";

const ADMIN = "cpt_silent-connections-admin-token-0123456";

function openSilently(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("closing with a silent connection open", { timeout: 30_000 }, () => {
  const opened: Socket[] = [];
  // A failed run must not hang: the test's own socket is dropped at the end either way.
  after(() => {
    for (const socket of opened) socket.destroy();
  });

  it("drops the connection that sent nothing instead of waiting for it", async () => {
    const listening = await startListeningControlPlane(ADMIN);
    const silent = await openSilently(listening.url);
    opened.push(silent);
    const ended = new Promise<void>((resolve) => silent.once("close", () => resolve()));
    // A connection that has sent a complete request keeps its answer.
    const health = await fetch(`${listening.url}/healthz`);
    assert.equal(health.status, 200);
    // Without the drop, close() waits out headersTimeout (60 s): past this test's 30 s timeout.
    await listening.close();
    await ended;
    assert.equal(silent.bytesRead, 0);
  });
});
