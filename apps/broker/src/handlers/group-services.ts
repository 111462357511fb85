// The state behind the group, offset, InitProducerId and SASL handlers, one set per broker. Handlers get
// only the BrokerServices of their RequestContext, so the set is attached to that object: by startBroker
// before the listener opens, with the settings of the broker's config (services.config, validated at
// start-up); tests attach their own. closeGroupServices stops the coordinator (shutdown).

import type { ScramCredential } from "@cirrus/kafka-protocol";
import type { Clock } from "../groups/clock.ts";
import { type CoordinatorConfig, coordinatorConfigOf } from "../groups/group-config.ts";
import { GroupCoordinator } from "../groups/group-coordinator.ts";
import { ProducerIdAllocator } from "../producers/producer-id-allocator.ts";
import type { BrokerServices } from "./handler.ts";

export interface GroupServices {
  readonly config: CoordinatorConfig;
  readonly coordinator: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
  /** SCRAM credentials derived from config.saslUsers, per user, on first use (each costs a PBKDF2). */
  readonly scramCredentials: Map<string, ScramCredential>;
  /** Background failures (offsets log replay, storing an emptied group): logged, never thrown. */
  readonly errors: { count: number; last: unknown };
}

const byBroker = new WeakMap<BrokerServices, GroupServices>();

export function attachGroupServices(
  services: BrokerServices,
  options: { config?: CoordinatorConfig; clock?: Clock } = {},
): GroupServices {
  const config = options.config ?? coordinatorConfigOf(services.config);
  const errors = { count: 0, last: undefined as unknown };
  const coordinator = new GroupCoordinator(
    {
      partitions: services.partitions,
      metadata: () => services.metadata(),
      brokerId: () => services.brokerId(),
    },
    {
      config,
      ...(options.clock ? { clock: options.clock } : {}),
      onBackgroundError: (error) => {
        errors.count++;
        errors.last = error;
      },
    },
  );
  coordinator.start();
  const created: GroupServices = {
    config,
    coordinator,
    producerIds: new ProducerIdAllocator({
      brokerId: () => services.brokerId(),
      brokerEpoch: () => services.brokerEpoch(),
    }),
    scramCredentials: new Map(),
    errors,
  };
  byBroker.get(services)?.coordinator.close();
  byBroker.set(services, created);
  return created;
}

/** The broker's group services (attached from services.config if nobody attached them yet). */
export function groupServicesOf(services: BrokerServices): GroupServices {
  return byBroker.get(services) ?? attachGroupServices(services);
}

export function closeGroupServices(services: BrokerServices): void {
  byBroker.get(services)?.coordinator.close();
  byBroker.delete(services);
}
