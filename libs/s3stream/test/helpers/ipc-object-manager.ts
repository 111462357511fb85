// An ObjectManager in another process: the test process keeps the MemoryObjectManager (playing the control
// plane, which survives a broker's kill -9) and child processes reach it over the IPC channel. Errors cross as
// (code, message) and are rebuilt with errorFromCode, as the HTTP implementation does.
import type { ChildProcess } from "node:child_process";
import { errorFromCode, StreamStorageError } from "../../src/errors.ts";
import type { ObjectManager } from "../../src/object-manager.ts";

interface Call {
  kind: "om-call";
  id: number;
  method: keyof ObjectManager;
  args: unknown[];
}

interface Reply {
  kind: "om-reply";
  id: number;
  result?: unknown;
  error?: { code: string; message: string };
}

/** Parent side: answers the child's calls with `manager`. */
export function serveObjectManager(child: ChildProcess, manager: ObjectManager): void {
  child.on("message", (message: Call) => {
    if (message?.kind !== "om-call") return;
    const method = manager[message.method] as (...args: unknown[]) => Promise<unknown>;
    method.apply(manager, message.args).then(
      (result) => send(child, { kind: "om-reply", id: message.id, result }),
      (error: unknown) =>
        send(child, {
          kind: "om-reply",
          id: message.id,
          error: {
            code: error instanceof StreamStorageError ? error.code : "UPSTREAM_UNAVAILABLE",
            message: String((error as Error)?.message ?? error),
          },
        }),
    );
  });
}

function send(child: ChildProcess, reply: Reply): void {
  if (child.connected) child.send(reply);
}

/** Child side: an ObjectManager whose every call goes to the parent. */
export function ipcObjectManager(): ObjectManager {
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  process.on("message", (message: Reply) => {
    if (message?.kind !== "om-reply") return;
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (message.error) call.reject(errorFromCode(message.error.code, message.error.message));
    else call.resolve(message.result);
  });
  const call =
    (method: keyof ObjectManager) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        process.send!({ kind: "om-call", id, method, args } satisfies Call);
      });
  const methods: (keyof ObjectManager)[] = [
    "createStream",
    "openStream",
    "closeStream",
    "trimStream",
    "deleteStream",
    "describeStream",
    "prepareObjects",
    "commitStreamSetObject",
    "commitStreamObject",
    "getObjects",
    "getStreamSetObjects",
    "getOpeningStreams",
    "getUnreferencedObjects",
    "forgetObjects",
  ];
  return Object.fromEntries(methods.map((m) => [m, call(m)])) as unknown as ObjectManager;
}
