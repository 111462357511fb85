import assert from "node:assert/strict";
import { test } from "node:test";
import { EventStreamReader } from "./event-stream-reader.ts";

test("a next() that timed out does not lose the chunk its read was waiting for", async () => {
  let push: (text: string) => void = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) => controller.enqueue(new TextEncoder().encode(text));
    },
  });
  const reader = new EventStreamReader(body);
  await assert.rejects(reader.next(20), /no event within 20 ms/);
  push('event: cluster\ndata: {"id":"c1"}\n\n');
  assert.deepEqual(await reader.next(1_000), { event: "cluster", data: { id: "c1" } });
});
