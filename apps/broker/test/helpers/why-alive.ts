// Diagnostic preload for a test file whose process does not exit after its tests passed ("a timer a test
// left behind"). Not a test and not loaded by `npm test`. Use:
//   node --import ./test/helpers/why-alive.ts test/handlers/data-path.test.ts
// It records where every async resource (timer, socket, ...) was created, and WHY_ALIVE_AFTER_MS (3000)
// after the file's last after() hook prints to stderr the ones still keeping the event loop alive, with
// their creation stacks; nothing is printed when the process exits before that. (A hang found this way:
// AssignmentWatcher.start() after stop() polled the closed control plane forever.)
import { createHook } from "node:async_hooks";
import { after } from "node:test";

interface Tracked {
  readonly type: string;
  readonly stack: string;
  readonly resource: { hasRef?: () => boolean; _destroyed?: boolean };
}

const IGNORED = new Set(["PROMISE", "TickObject", "Microtask"]);
const live = new Map<number, Tracked>();

createHook({
  init(id, type, _trigger, resource) {
    if (IGNORED.has(type)) return;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    const stack = (new Error().stack ?? "").split("\n").slice(3).join("\n");
    Error.stackTraceLimit = limit;
    live.set(id, { type, stack, resource: resource as Tracked["resource"] });
  },
  destroy(id) {
    live.delete(id);
  },
}).enable();

/** The tracked resources that still hold the event loop (referenced, not destroyed), with their stacks. */
export function referencedResources(): string[] {
  const out: string[] = [];
  for (const [id, r] of live) {
    if (typeof r.resource.hasRef !== "function" || !r.resource.hasRef() || r.resource._destroyed) continue;
    out.push(`${r.type} #${id}\n${r.stack}`);
  }
  return out;
}

after(() => {
  const delayMs = Number(process.env.WHY_ALIVE_AFTER_MS ?? 3_000);
  setTimeout(() => {
    process.stderr.write(
      `why-alive: still running ${delayMs} ms after the last after() hook; active: ${JSON.stringify(
        process.getActiveResourcesInfo(),
      )}\n${referencedResources().join("\n\n")}\n`,
    );
  }, delayMs).unref();
});
