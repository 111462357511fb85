// The state behind the group, offset, InitProducerId and SASL handlers, one set per broker. Handlers get
// only the BrokerServices of their RequestContext, so the set is attached to that object (created on first
// use from it and from the environment); a broker that wants other settings, or tests, call
// attachGroupServices first. closeGroupServices stops the coordinator (shutdown).

import type { Clock } from "../groups/clock.ts";
import { type CoordinatorConfig, loadCoordinatorConfig } from "../groups/group-config.ts";
import { GroupCoordinator } from "../groups/group-coordinator.ts";
import { ProducerIdAllocator } from "../producers/producer-id-allocator.ts";
import type { BrokerServices } from "./handler.ts";

export interface GroupServices {
  readonly config: CoordinatorConfig;
  readonly coordinator: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
  /** Background failures (offsets log replay, storing an emptied group): logged, never thrown. */
  readonly errors: { count: number; last: unknown };
}

const byBroker = new WeakMap<BrokerServices, GroupServices>();

export function attachGroupServices(
  services: BrokerServices,
  options: { config?: CoordinatorConfig; clock?: Clock } = {},
): GroupServices {
  const config = options.config ?? loadCoordinatorConfig();
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
    errors,
  };
  byBroker.get(services)?.coordinator.close();
  byBroker.set(services, created);
  return created;
}

export function groupServicesOf(services: BrokerServices): GroupServices {
  return byBroker.get(services) ?? attachGroupServices(services);
}

export function closeGroupServices(services: BrokerServices): void {
  byBroker.get(services)?.coordinator.close();
  byBroker.delete(services);
}
