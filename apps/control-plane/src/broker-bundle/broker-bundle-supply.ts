// The broker bundle aws/aliyun brokers boot from, without holding up the control plane: the build (about
// 20 s on a first start) runs in the background while the API serves and local clusters launch; only a cloud
// fleet's launch waits for it (controllers/provisioner/broker-launch.ts, resolveLaunchBundle). A failed build
// is logged and fails the launches waiting for it; the next launch that asks starts a new build.
import type { BrokerBundle } from "./broker-bundle.ts";

export interface BrokerBundleSupply {
  /** The bundle once it is there (served at /internal/v1/broker-bundle/{sha256}); undefined meanwhile. */
  current(): BrokerBundle | undefined;
  /**
   * Resolves with the bundle, waiting for the build in progress; after a failed build, starts another.
   * Rejects with the build's error.
   */
  ready(): Promise<BrokerBundle>;
}

/** A bundle that is there already (an operator's CIRRUS_BROKER_BUNDLE, or one built before). */
export function readyBrokerBundle(bundle: BrokerBundle): BrokerBundleSupply {
  return { current: () => bundle, ready: () => Promise.resolve(bundle) };
}

/**
 * Starts `build` now, in the background. `onBuilt` and `onFailed` learn each outcome (the control plane logs
 * them); an unhandled rejection never escapes, whether or not a launch waits.
 */
export function buildingBrokerBundle(
  build: () => Promise<BrokerBundle>,
  events: { onBuilt?: (bundle: BrokerBundle) => void; onFailed?: (error: unknown) => void } = {},
): BrokerBundleSupply {
  let bundle: BrokerBundle | undefined;
  let building: Promise<BrokerBundle> | undefined;
  const start = (): Promise<BrokerBundle> => {
    const attempt = (async () => build())().then(
      (built) => {
        bundle = built;
        events.onBuilt?.(built);
        return built;
      },
      (error: unknown) => {
        if (building === attempt) building = undefined; // the next ready() builds again
        events.onFailed?.(error);
        throw error;
      },
    );
    attempt.catch(() => {}); // reported through onFailed and to whoever waits in ready()
    building = attempt;
    return attempt;
  };
  start();
  return {
    current: () => bundle,
    ready: () => (bundle ? Promise.resolve(bundle) : (building ?? start())),
  };
}
