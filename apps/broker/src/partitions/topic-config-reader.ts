// Reading a topic's configs (validated by the control plane) the way the broker's partition jobs need them:
// the value the topic sets, else Kafka's default from the shared catalog, and a policy built once per configs
// object (a topic's configs object is replaced, never changed in place, when its configs change).
import { topicConfigSpecs } from "@cirrus/broker-api";

export type TopicConfigs = Readonly<Record<string, string>>;

/** The number a config holds: the topic's value, else the catalog's default, else `fallback`. */
export function numericConfig(configs: TopicConfigs | undefined, name: string, fallback: string): number {
  return Number((configs?.[name] ?? topicConfigSpecs.get(name)?.defaultValue ?? fallback).trim());
}

/** The topic's cleanup.policy as a list (`compact,delete` → both), lower case. */
export function cleanupPolicies(configs: TopicConfigs | undefined): readonly string[] {
  return (configs?.["cleanup.policy"] ?? topicConfigSpecs.get("cleanup.policy")?.defaultValue ?? "delete")
    .split(",")
    .map((p) => p.trim().toLowerCase());
}

const NO_CONFIGS: TopicConfigs = Object.freeze({});

/** `build` memoized per configs object (undefined configs: the topic sets nothing, all defaults). */
export function policyPerConfigs<P>(
  build: (configs: TopicConfigs | undefined) => P,
): (configs: TopicConfigs | undefined) => P {
  const cache = new WeakMap<object, P>();
  return (configs) => {
    const key = configs ?? NO_CONFIGS;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const policy = build(configs);
    cache.set(key, policy);
    return policy;
  };
}
