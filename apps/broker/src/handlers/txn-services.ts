// The transaction coordinator of one broker and the marker writer it uses, attached to the broker's
// BrokerServices like the group services (group-services.ts): by startBroker before the listener opens,
// stopped by closeTxnServices at shutdown. Producer ids come from the group services' allocator, so ids of
// idempotent and transactional producers share one space.
import type { Clock } from "../groups/clock.ts";
import { ClusterMarkerWriter } from "../transactions/cluster-marker-writer.ts";
import type { LocalMarkerDeps } from "../transactions/local-markers.ts";
import type { MarkerProducerState } from "../transactions/marker-append.ts";
import { TxnCoordinator } from "../transactions/txn-coordinator.ts";
import { groupServicesOf } from "./group-services.ts";
import type { BrokerServices } from "./handler.ts";

export interface TxnServices {
  readonly coordinator: TxnCoordinator;
  readonly markers: ClusterMarkerWriter;
  readonly local: LocalMarkerDeps;
  /** Background failures (marker writes retried, log replay): counted, never thrown. */
  readonly errors: { count: number; last: unknown };
}

const byBroker = new WeakMap<BrokerServices, TxnServices>();

function markerStateOf(services: BrokerServices): MarkerProducerState | undefined {
  const producers = services.producers as Partial<MarkerProducerState> | undefined;
  return producers?.checkMarker && producers.markerWritten ? (producers as MarkerProducerState) : undefined;
}

export function attachTxnServices(services: BrokerServices, options: { clock?: Clock } = {}): TxnServices {
  const errors = { count: 0, last: undefined as unknown };
  const onBackgroundError = (error: unknown) => {
    errors.count++;
    errors.last = error;
  };
  const local: LocalMarkerDeps = {
    partitions: services.partitions,
    producers: markerStateOf(services),
    canAck: () => services.canAck(),
    offsetsShard: (partition) =>
      groupServicesOf(services)
        .coordinator.servingShards()
        .find((s) => s.partition === partition),
  };
  const markers = new ClusterMarkerWriter({
    ...local,
    metadata: (fresh) => services.metadata(fresh),
    requestTimeoutMs: 10_000,
    onDropped: (p, code) =>
      onBackgroundError(new Error(`marker for ${p.topic}-${p.partition} dropped: ${code}`)),
    // A broker with the cluster's security state logs in to its peers as the inter-broker user (a super user).
    ...(services.security && services.securityAdmin?.interBrokerCredential
      ? { interBrokerCredential: () => services.securityAdmin!.interBrokerCredential!() }
      : {}),
  });
  const coordinator = new TxnCoordinator(
    {
      partitions: services.partitions,
      metadata: () => services.metadata(),
      brokerId: () => services.brokerId(),
      markers,
      allocateProducerId: () => {
        try {
          return groupServicesOf(services).producerIds.allocate();
        } catch (error) {
          onBackgroundError(error);
          return null;
        }
      },
    },
    {
      maxTimeoutMs: services.config.transactionMaxTimeoutMs,
      idExpirationMs: services.config.transactionalIdExpirationMs,
      onBackgroundError,
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
  coordinator.start();
  const created: TxnServices = { coordinator, markers, local, errors };
  closeTxnServices(services);
  byBroker.set(services, created);
  return created;
}

export function txnServicesOf(services: BrokerServices): TxnServices {
  return byBroker.get(services) ?? attachTxnServices(services);
}

export function closeTxnServices(services: BrokerServices): void {
  const current = byBroker.get(services);
  current?.coordinator.close();
  current?.markers.close();
  byBroker.delete(services);
}
