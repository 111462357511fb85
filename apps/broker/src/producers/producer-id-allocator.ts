// Producer ids unique across brokers and restarts with no coordination on the hot path: an id is
// (brokerId, broker epoch, counter) packed into 63 bits. The control plane hands out a new epoch at every
// registration and never reuses one for a broker id (libs/broker-api README: leases, epochs), so two
// registrations can never produce the same id, whichever broker and whenever.
//
//   bit 62..47  brokerId      (16 bits: 65,536 brokers)
//   bit 46..24  broker epoch  (23 bits: 8,388,608 registrations)
//   bit 23..0   counter       (24 bits: 16,777,216 ids per registration)
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";

const BROKER_BITS = 16n;
const EPOCH_BITS = 23n;
const COUNTER_BITS = 24n;

export const maxBrokerId = Number((1n << BROKER_BITS) - 1n);
export const maxBrokerEpoch = Number((1n << EPOCH_BITS) - 1n);
export const idsPerRegistration = Number(1n << COUNTER_BITS);

export interface BrokerIdentity {
  /** -1 until registered. */
  brokerId(): number;
  /** -1 until registered. */
  brokerEpoch(): number;
}

export class ProducerIdAllocator {
  readonly #identity: BrokerIdentity;
  #epoch = -1;
  #next = 0;

  constructor(identity: BrokerIdentity) {
    this.#identity = identity;
  }

  /**
   * A producer id never handed out before by any broker. Returns null while the broker is not registered
   * (the caller answers a retriable error); throws CoordinatorError(PRODUCER_IDS_EXHAUSTED) when this
   * registration used up its ids or the broker id or epoch does not fit the layout.
   */
  allocate(): bigint | null {
    const brokerId = this.#identity.brokerId();
    const epoch = this.#identity.brokerEpoch();
    if (brokerId < 0 || epoch < 0) return null;
    if (brokerId > maxBrokerId || epoch > maxBrokerEpoch) {
      throw new CoordinatorError(
        CoordinatorErrorCode.PRODUCER_IDS_EXHAUSTED,
        `broker ${brokerId} epoch ${epoch} does not fit the producer id layout`,
      );
    }
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      this.#next = 0;
    }
    if (this.#next >= idsPerRegistration) {
      throw new CoordinatorError(
        CoordinatorErrorCode.PRODUCER_IDS_EXHAUSTED,
        `broker ${brokerId} handed out all ${idsPerRegistration} producer ids of epoch ${epoch}`,
      );
    }
    const counter = BigInt(this.#next++);
    return (BigInt(brokerId) << (EPOCH_BITS + COUNTER_BITS)) | (BigInt(epoch) << COUNTER_BITS) | counter;
  }
}
