// Cluster membership: register with the control plane (→ broker id, epoch, lease length), heartbeat at a
// third of the lease to renew it, and re-register when fenced. Everything that needs the identity reads it
// here; everything that acks writes checks `lease.valid`.
import type {
  BrokerApiError,
  HeartbeatRequest,
  HeartbeatResponse,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
} from "@cirrus/broker-api";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { LoadSample } from "../metrics/load-meter.ts";
import { Lease } from "./lease.ts";

export interface MembershipClient {
  register(request: RegisterBrokerRequest): Promise<RegisterBrokerResponse>;
  heartbeat(brokerId: number, request: HeartbeatRequest): Promise<HeartbeatResponse>;
}

export interface BrokerIdentity {
  readonly clusterId: string;
  readonly brokerId: number;
  readonly epoch: number;
  readonly leaseMs: number;
}

export interface MembershipOptions {
  readonly client: MembershipClient;
  readonly registration: RegisterBrokerRequest;
  readonly load: () => LoadSample;
  /** The lease was lost for good (fenced): drop every partition without acking anything more. */
  readonly onFenced: (identity: BrokerIdentity) => Promise<void> | void;
  /** A new identity after (re-)registration: restart assignment watching with it. */
  readonly onRegistered: (identity: BrokerIdentity) => void;
  /** A heartbeat announced a new assignment version. */
  readonly onAssignmentVersion?: (version: number) => void;
  readonly log: (message: string, error?: unknown) => void;
  readonly lease?: Lease;
}

export class BrokerMembership {
  readonly lease: Lease;
  readonly #options: MembershipOptions;
  #identity: BrokerIdentity | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #registering: Promise<BrokerIdentity> | undefined;

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.lease = options.lease ?? new Lease();
  }

  get identity(): BrokerIdentity | undefined {
    return this.#identity;
  }

  /** Registers, retrying transient failures until `deadlineMs` passes; then heartbeats in the background. */
  async start(deadlineMs = 60_000): Promise<BrokerIdentity> {
    const identity = await this.#register(deadlineMs);
    this.#schedule(0);
    return identity;
  }

  /** Stops heartbeating and expires the lease (the control plane lets it run out). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.lease.expire();
  }

  #register(deadlineMs: number): Promise<BrokerIdentity> {
    this.#registering ??= (async () => {
      const giveUpAt = Date.now() + deadlineMs;
      for (let attempt = 0; ; attempt++) {
        if (this.#stopped) throw new BrokerError(BrokerErrorCode.SHUTTING_DOWN, "stopped while registering");
        const sentAt = this.lease.now();
        try {
          const answer = await this.#options.client.register(this.#options.registration);
          this.lease.renew(sentAt, answer.leaseMs);
          const identity: BrokerIdentity = {
            clusterId: answer.clusterId,
            brokerId: answer.brokerId,
            epoch: answer.epoch,
            leaseMs: answer.leaseMs,
          };
          this.#identity = identity;
          this.#options.onRegistered(identity);
          return identity;
        } catch (error) {
          const retriable = (error as Partial<BrokerApiError>).retriable === true;
          if (!retriable || Date.now() > giveUpAt) {
            throw new BrokerError(BrokerErrorCode.CONTROL_PLANE_UNAVAILABLE, "registration failed", {
              cause: error,
            });
          }
          this.#options.log(`registration attempt ${attempt + 1} failed, retrying`, error);
          await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      this.#registering = undefined;
    });
    return this.#registering;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#beat(), delayMs);
  }

  async #beat(): Promise<void> {
    const identity = this.#identity;
    if (!identity || this.#stopped) return;
    const period = Math.max(50, Math.floor(identity.leaseMs / 3));
    const sentAt = this.lease.now();
    try {
      const load = this.#options.load();
      const answer = await this.#options.client.heartbeat(identity.brokerId, { epoch: identity.epoch, load });
      if (this.#stopped || this.#identity !== identity) return;
      this.lease.renew(sentAt, identity.leaseMs);
      this.#options.onAssignmentVersion?.(answer.assignmentVersion);
      this.#schedule(period);
    } catch (error) {
      if (this.#stopped) return;
      if ((error as Partial<BrokerApiError>).fenced === true) {
        this.#options.log(
          `broker ${identity.brokerId} epoch ${identity.epoch} fenced; re-registering`,
          error,
        );
        this.lease.expire();
        try {
          await this.#options.onFenced(identity);
          await this.#register(60_000);
          this.#schedule(0);
        } catch (registerError) {
          this.#options.log("re-registration failed; retrying", registerError);
          this.#schedule(period);
        }
        return;
      }
      // Transient: keep trying faster than the period; the lease runs out by itself if this lasts.
      this.#options.log("heartbeat failed", error);
      this.#schedule(Math.min(period, 250));
    }
  }
}
