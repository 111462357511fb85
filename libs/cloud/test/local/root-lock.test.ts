import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import { lockFolder } from "../../src/local/root-lock.ts";

const ROOT_LOCK = fileURLToPath(new URL("../../src/local/root-lock.ts", import.meta.url));

/** The kernel's start time of a pid (Linux), as the lock records it. */
function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

/** A node process that idles until killed. */
async function idleProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000); console.log('up')"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  await once(child.stdout!, "data");
  return child;
}

describe("lockFolder", () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cirrus-lock-"));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("is exclusive within a process, and released once", () => {
    const release = lockFolder(dir, "cirrus.lock");
    assert.throws(
      () => lockFolder(dir, "cirrus.lock"),
      (e) => isCloudError(e, CloudErrorCode.CONFLICT) && !e.retriable && e.message.includes(dir),
    );
    const other = lockFolder(dir, "provider.lock"); // another name is another lock
    release();
    release();
    assert.deepEqual(readdirSync(dir), ["provider.lock"], "released: the file is gone, nothing else left");
    lockFolder(dir, "cirrus.lock")();
    other();
  });

  it("refuses while a live process holds it, naming the folder and that process's pid", async () => {
    const holder = await idleProcess();
    children.push(holder);
    writeFileSync(join(dir, "cirrus.lock"), `${holder.pid} ${startTimeOf(holder.pid!)}\n`);
    assert.throws(
      () => lockFolder(dir, "cirrus.lock"),
      (e) =>
        isCloudError(e, CloudErrorCode.CONFLICT) &&
        e.message.includes(`process ${holder.pid}`) &&
        e.message.includes(dir),
    );
    assert.equal(readFileSync(join(dir, "cirrus.lock"), "utf8").split(" ")[0], String(holder.pid));
  });

  it("takes over the lock of a killed process, and of a pid since reused by another program", async () => {
    const dead = await idleProcess();
    dead.kill("SIGKILL");
    await once(dead, "exit");
    writeFileSync(join(dir, "cirrus.lock"), `${dead.pid} 12345\n`);
    const release = lockFolder(dir, "cirrus.lock");
    assert.equal(readFileSync(join(dir, "cirrus.lock"), "utf8").split(" ")[0], String(process.pid));
    release();
    // A live process whose start time is not the recorded one is not the holder: the pid was reused.
    const reused = await idleProcess();
    children.push(reused);
    writeFileSync(join(dir, "cirrus.lock"), `${reused.pid} 1\n`);
    lockFolder(dir, "cirrus.lock")();
    // Our own pid on file (a past life of a process that got the same pid, e.g. in a container) is stale.
    writeFileSync(join(dir, "cirrus.lock"), `${process.pid}\n`);
    lockFolder(dir, "cirrus.lock")();
    assert.deepEqual(readdirSync(dir), []);
  });

  it("of several processes racing for a stale lock, exactly one wins", async () => {
    writeFileSync(join(dir, "cirrus.lock"), "999999999\n");
    // Every racer loads the module first, then all try at the same instant.
    const script = `
      import { lockFolder } from ${JSON.stringify(ROOT_LOCK)};
      await new Promise((r) => setTimeout(r, Math.max(0, ${Date.now() + 2_000} - Date.now())));
      try { lockFolder(${JSON.stringify(dir)}, "cirrus.lock"); console.log("won"); }
      catch (e) { console.log(e.code); }
      setTimeout(() => {}, 1_000); // the winner keeps living (and holding) while the others look
    `;
    const racers = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    children.push(...racers);
    const outcomes = await Promise.all(
      racers.map(async (child) => {
        let out = "";
        child.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString();
        });
        await once(child, "exit");
        return out.trim();
      }),
    );
    assert.equal(outcomes.filter((o) => o === "won").length, 1, outcomes.join(","));
    assert.equal(outcomes.filter((o) => o === "CLOUD_CONFLICT").length, 5, outcomes.join(","));
  });
});
