import assert from "node:assert/strict";
import { test } from "node:test";
import { OrderedResponses, type ResponseChunks } from "../../src/server/ordered-responses.ts";

function collect() {
  const out: { response: ResponseChunks | null; bytes: number }[] = [];
  const queue = new OrderedResponses({ emit: (response, bytes) => out.push({ response, bytes }) });
  return { out, queue };
}

const chunk = (s: string): ResponseChunks => [Buffer.from(s)];

test("responses completed out of order are emitted in request order", () => {
  const { out, queue } = collect();
  const a = queue.reserve(1);
  const b = queue.reserve(2);
  const c = queue.reserve(3);
  c(chunk("c"));
  b(chunk("b"));
  assert.equal(out.length, 0, "nothing may leave before the first request's response");
  assert.equal(queue.pending, 3);
  a(chunk("a"));
  assert.deepEqual(
    out.map((o) => Buffer.concat(o.response as Uint8Array[]).toString()),
    ["a", "b", "c"],
  );
  assert.deepEqual(
    out.map((o) => o.bytes),
    [1, 2, 3],
  );
  assert.equal(queue.pending, 0);
});

test("a null response keeps its place and completing twice is ignored", () => {
  const { out, queue } = collect();
  const a = queue.reserve(1);
  const b = queue.reserve(1);
  b(chunk("b"));
  a(null);
  a(chunk("late"));
  assert.deepEqual(
    out.map((o) => o.response),
    [null, chunk("b")],
  );
});

test("long runs of requests do not grow the queue without bound", () => {
  const { out, queue } = collect();
  for (let i = 0; i < 10_000; i++) queue.reserve(1)(null);
  assert.equal(out.length, 10_000);
  assert.equal(queue.pending, 0);
});
