// The cluster's ACLs and SCRAM credentials as this broker last read them from the control plane, which keeps
// them for every broker of the cluster (a broker is stateless: any broker may serve any client). Read at start
// and every `refreshMs` after, and at once after this broker changed them, so a change made through any broker
// (or the REST API) is enforced by all of them within about refreshMs.
import type { AclBinding, ScramMechanism, SecuritySnapshot } from "@cirrus/broker-api";
import type { ScramCredential } from "@cirrus/kafka-protocol";
import { AclAuthorizer, type AuthorizerSettings } from "./acl-authorizer.ts";

export interface SecuritySource {
  security(options?: { signal?: AbortSignal }): Promise<SecuritySnapshot>;
  /** The state's version alone: a periodic check reads the whole snapshot only when it moved. */
  securityVersion(options?: { signal?: AbortSignal }): Promise<{ version: number }>;
}

export interface ClusterSecurityOptions extends AuthorizerSettings {
  readonly refreshMs: number;
  readonly log?: (message: string, error?: unknown) => void;
}

const key = (user: string, mechanism: string) => `${mechanism}\u0000${user}`;

export class ClusterSecurity {
  readonly #source: SecuritySource;
  readonly #options: ClusterSecurityOptions;
  #authorizer: AclAuthorizer;
  #acls: readonly AclBinding[] = [];
  #credentials = new Map<string, ScramCredential>();
  #loaded = false;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  #failures = 0;
  #version = -1;

  constructor(source: SecuritySource, options: ClusterSecurityOptions) {
    this.#source = source;
    this.#options = options;
    this.#authorizer = new AclAuthorizer([], options);
  }

  /** True once a snapshot was read: until then nothing but super users is authorized. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The authorizer of the last snapshot (before the first one: no ACL, so only super users pass). */
  get authorizer(): AclAuthorizer {
    return this.#authorizer;
  }

  get acls(): readonly AclBinding[] {
    return this.#acls;
  }

  /** The stored SCRAM credential of a user for a mechanism, as of the last snapshot. */
  scramCredential(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.#credentials.get(key(user, mechanism));
  }

  /** Starts the periodic refresh (the first read at once). */
  start(): void {
    if (this.#timer) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refreshIfChanged(), this.#options.refreshMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads the snapshot now (joins a read in flight). Never rejects: a failed read keeps the last snapshot. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#read().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Asks for the version and reads the snapshot only when it moved (the periodic check). Never rejects. */
  refreshIfChanged(): Promise<void> {
    this.#inflight ??= this.#readIfChanged().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #readIfChanged(): Promise<void> {
    try {
      const { version } = await this.#source.securityVersion({ signal: AbortSignal.timeout(10_000) });
      if (version === this.#version && this.#loaded) return this.#answered();
    } catch {
      // fall through: #read logs the failure once and keeps the last snapshot
    }
    await this.#read();
  }

  /** Reads a new snapshot, even when a read is in flight (after a change this broker made). */
  async refreshAfterChange(): Promise<void> {
    await this.#inflight;
    await this.refresh();
  }

  async #read(): Promise<void> {
    try {
      const snapshot = await this.#source.security({ signal: AbortSignal.timeout(10_000) });
      this.apply(snapshot);
      this.#answered();
    } catch (error) {
      // The control plane away: keep enforcing the last snapshot (never open up for its outage).
      if (this.#failures++ === 0) this.#options.log?.("security: cannot read the cluster's ACLs", error);
    }
  }

  /** The control plane answered: the end of an outage is logged once. */
  #answered(): void {
    if (this.#failures > 0) this.#options.log?.("security: cluster ACLs and SCRAM users read again");
    this.#failures = 0;
  }

  /** Replaces the state with a snapshot (what every read does; tests feed snapshots directly). */
  apply(snapshot: SecuritySnapshot): void {
    const credentials = new Map<string, ScramCredential>();
    for (const c of snapshot.scramCredentials) {
      credentials.set(key(c.user, c.mechanism), {
        salt: Buffer.from(c.salt, "base64"),
        iterations: c.iterations,
        storedKey: Buffer.from(c.storedKey, "base64"),
        serverKey: Buffer.from(c.serverKey, "base64"),
      });
    }
    this.#credentials = credentials;
    this.#acls = snapshot.acls;
    this.#version = snapshot.version;
    this.#authorizer = new AclAuthorizer(snapshot.acls, this.#options);
    this.#loaded = true;
  }
}
