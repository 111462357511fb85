// A PostgreSQL server of a test's own (Debian's postgresql package): initdb in a temp folder, started on a free
// loopback port, stopped and started again at will (an outage of the control plane's database). As root the
// server runs as the `postgres` user, as PostgreSQL requires.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./cluster.ts";

const run = promisify(execFile);
const ROOT = "/usr/lib/postgresql";

/** The newest installed server's bin folder, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT)
    .filter((v) => existsSync(join(ROOT, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest ? join(ROOT, newest, "bin") : undefined;
}

export class PostgresServer {
  readonly url: string;
  readonly #bin: string;
  readonly #dir: string;
  readonly #port: number;

  private constructor(bin: string, dir: string, port: number) {
    this.#bin = bin;
    this.#dir = dir;
    this.#port = port;
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  static async start(): Promise<PostgresServer> {
    const bin = postgresBinDir();
    if (!bin) throw new Error(`no PostgreSQL server under ${ROOT}`);
    const dir = await mkdtemp(join(tmpdir(), "cirrus-e2e-pg-"));
    if (userInfo().uid === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: gid } = await run("id", ["-g", "postgres"]);
      await chown(dir, Number(stdout), Number(gid));
    }
    const server = new PostgresServer(bin, dir, await freePort());
    await server.#as(`${bin}/initdb -D ${dir}/data -A trust -U postgres`);
    await server.resume();
    return server;
  }

  /** Starts the server (again) on its port; resolves once it accepts connections. */
  async resume(): Promise<void> {
    const options = `-p ${this.#port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.#as(`${this.#bin}/pg_ctl -D ${this.#dir}/data -o '${options}' -l ${this.#dir}/log -w start`);
  }

  /** Stops the server at once, as a crash would (immediate: no checkpoint, connections cut). */
  async crash(): Promise<void> {
    await this.#as(`${this.#bin}/pg_ctl -D ${this.#dir}/data -m immediate -w stop`);
  }

  async destroy(): Promise<void> {
    await this.crash().catch(() => {});
    await rm(this.#dir, { recursive: true, force: true });
  }

  #as(command: string): Promise<unknown> {
    return userInfo().uid === 0
      ? run("su", ["postgres", "-s", "/bin/sh", "-c", command], { timeout: 60_000 })
      : run("/bin/sh", ["-c", command], { timeout: 60_000 });
  }
}
