import assert from "node:assert/strict";
import { test } from "node:test";
import { AppendNotifier, partitionKey } from "../../src/partitions/append-notifier.ts";

const k0 = partitionKey("t", 0);
const k1 = partitionKey("t", 1);

test("a waiter is satisfied once appends on its partitions reach what it needs", async () => {
  const notifier = new AppendNotifier();
  let seen = 0;
  const outcome = notifier.wait({
    keys: [k0, k1],
    timeoutMs: 5_000,
    onAppend: (_key, bytes) => {
      seen += bytes;
      return seen >= 100;
    },
  });
  notifier.notify(k0, 40);
  notifier.notify(partitionKey("other", 0), 1_000);
  assert.equal(notifier.waiting, 1);
  notifier.notify(k1, 60);
  assert.equal(await outcome, "satisfied");
  assert.equal(seen, 100);
  assert.equal(notifier.waiting, 0, "a finished waiter is unregistered from every key");
});

test("waiters time out, abort with their signal, and are woken by wakeAll", async () => {
  const notifier = new AppendNotifier();
  const started = performance.now();
  assert.equal(await notifier.wait({ keys: [k0], timeoutMs: 50, onAppend: () => true }), "timeout");
  assert.ok(performance.now() - started >= 45);

  const abort = new AbortController();
  const aborted = notifier.wait({
    keys: [k0],
    timeoutMs: 5_000,
    signal: abort.signal,
    onAppend: () => false,
  });
  abort.abort();
  assert.equal(await aborted, "aborted");

  const woken = notifier.wait({ keys: [k1], timeoutMs: 5_000, onAppend: () => false });
  notifier.wakeAll(k1);
  assert.equal(await woken, "aborted");
  assert.equal(notifier.waiting, 0);
});

test("zero wait and an already aborted signal answer at once without registering", async () => {
  const notifier = new AppendNotifier();
  assert.equal(await notifier.wait({ keys: [k0], timeoutMs: 0, onAppend: () => true }), "timeout");
  assert.equal(
    await notifier.wait({ keys: [k0], timeoutMs: 100, signal: AbortSignal.abort(), onAppend: () => true }),
    "aborted",
  );
  assert.equal(notifier.waiting, 0);
});
