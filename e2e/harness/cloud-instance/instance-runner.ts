// An emulated cloud instance: given a provider, an instance id, zone and private IP, the user data of the
// launch template / scaling configuration, and its volumes, it starts a metadata-service emulator for it,
// attaches the volumes as block files under the instance's by-id folder, and RUNS THE REAL BOOT SCRIPT with
// bash, as cloud-init would: whatever the script starts (the broker) is the instance's workload.
//
// What stands in for the machine: the script's environment carries CIRRUS_METADATA_URL (the emulator; on a
// cloud the broker's default, 169.254.169.254 or 100.100.100.200) and CIRRUS_VOLUME_BY_ID_ROOT (the by-id
// folder; on a cloud /dev/disk/by-id) and CIRRUS_BOOT_DIR (where a broker bundle is unpacked; on a cloud
// /var/lib/cirrus), plus a stock PATH (no Node 24 on it) and HOME. Nothing else: the instance learns the rest from
// its user data and the metadata service. The private IP should be a loopback address (127.0.0.N: Linux
// routes all of 127/8 to lo), so a broker bound to 0.0.0.0 and advertising it is reachable.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { attachBlockVolume, type BlockVolume, detachBlockVolume } from "./block-volumes.ts";
import { type CloudName, MetadataEmulator, type MetadataEmulatorOptions } from "./metadata-emulator.ts";

export interface LaunchInstanceOptions {
  readonly provider: CloudName;
  readonly instanceId: string;
  readonly zone: string;
  readonly privateIp: string;
  /** The user data as the cloud API carries it: base64 (EC2 launch templates, ESS scaling configurations). */
  readonly userDataBase64: string;
  /** Volumes attached at launch. */
  readonly volumes?: readonly BlockVolume[];
  /** The instance's folder (by-id root, boot script, its output); created if absent. */
  readonly dir: string;
  readonly lifecycle?: "spot" | "on-demand";
  /** Signs the aws identity document (see MetadataEmulator). */
  readonly signingKey?: string;
  /** More machine environment (e.g. PATH entries where the image keeps node). */
  readonly env?: Record<string, string>;
  readonly metadata?: Partial<MetadataEmulatorOptions>;
}

export class EmulatedInstance {
  readonly provider: CloudName;
  readonly instanceId: string;
  readonly dir: string;
  readonly byIdRoot: string;
  readonly metadata: MetadataEmulator;
  readonly #options: LaunchInstanceOptions;
  #process: ChildProcess | undefined;
  #output = "";
  #exit: Promise<number | null> = Promise.resolve(null);

  private constructor(options: LaunchInstanceOptions, metadata: MetadataEmulator) {
    this.#options = options;
    this.provider = options.provider;
    this.instanceId = options.instanceId;
    this.dir = options.dir;
    this.byIdRoot = join(options.dir, "dev", "disk", "by-id");
    this.metadata = metadata;
  }

  /** Launches: metadata service up, volumes attached, boot script running. */
  static async launch(options: LaunchInstanceOptions): Promise<EmulatedInstance> {
    const metadata = await MetadataEmulator.start({
      provider: options.provider,
      instanceId: options.instanceId,
      zone: options.zone,
      privateIp: options.privateIp,
      ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
      ...(options.signingKey ? { signingKey: options.signingKey } : {}),
      ...options.metadata,
    });
    const instance = new EmulatedInstance(options, metadata);
    await mkdir(instance.byIdRoot, { recursive: true });
    for (const volume of options.volumes ?? []) await instance.attachVolume(volume);
    await instance.boot();
    return instance;
  }

  /** Runs the boot script (again: a reboot). Its stdout and stderr accumulate in `output`. */
  async boot(): Promise<void> {
    if (this.running) throw new Error(`${this.instanceId} is still running its workload`);
    const script = join(this.dir, "user-data");
    await mkdir(dirname(script), { recursive: true });
    await writeFile(script, Buffer.from(this.#options.userDataBase64, "base64"), { mode: 0o700 });
    const child = spawn("bash", [script], {
      cwd: this.dir,
      detached: true, // its own process group: kill() reaches everything the script started
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        // A stock image's PATH: no Node 24 there (this machine's /usr/bin/node is 20); brokers bring their own.
        PATH: "/usr/local/bin:/usr/bin:/bin",
        HOME: this.dir,
        CIRRUS_BOOT_DIR: join(this.dir, "var", "lib", "cirrus"),
        CIRRUS_METADATA_URL: this.metadata.url,
        CIRRUS_VOLUME_BY_ID_ROOT: this.byIdRoot,
        ...this.#options.env,
      },
    });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.#process = child;
    this.#exit = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  get running(): boolean {
    return (
      this.#process !== undefined && this.#process.exitCode === null && this.#process.signalCode === null
    );
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** What the boot script and its workload printed (the last 200 kB). */
  get output(): string {
    return this.#output;
  }

  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs` or on exit. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      const match = this.#output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`${this.instanceId} exited before ${pattern}:\n${this.#output}`);
      if (Date.now() > giveUpAt)
        throw new Error(`${this.instanceId}: no ${pattern} in ${timeoutMs} ms:\n${this.#output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The workload's exit code once it exits by itself; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.instanceId} still running after ${timeoutMs} ms:\n${this.#output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async attachVolume(volume: BlockVolume): Promise<string> {
    return attachBlockVolume(this.provider, this.byIdRoot, volume);
  }

  async detachVolume(volumeId: string): Promise<void> {
    await detachBlockVolume(this.provider, this.byIdRoot, volumeId);
  }

  /** Signals the workload's whole process group; resolves with its exit once it is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    const pid = this.#process?.pid;
    if (pid !== undefined && this.running) {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    }
    return this.#exit;
  }

  /** Ends the instance: its workload killed, its metadata service closed (volumes stay, as on a cloud). */
  async terminate(): Promise<void> {
    await this.kill("SIGKILL");
    await this.metadata.close();
  }
}
