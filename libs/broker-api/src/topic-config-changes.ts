// A topic's configs after a change, with Kafka's rules for config changes (AlterConfigs replaces the whole
// set; IncrementalAlterConfigs sets, deletes, or appends to / subtracts from a LIST config, starting from its
// current value or Kafka's default). One function for the broker (which checks first, to answer in Kafka's
// error codes) and the control plane (which applies it to the stored set inside its transaction).
import type { TopicConfigChange } from "./schemas/metadata.ts";
import { topicConfigSpecs } from "./topic-config-catalog.ts";
import {
  checkTopicConfigs,
  checkTopicConfigsSize,
  TopicRule,
  type TopicRuleViolation,
} from "./topic-rules.ts";

const listItems = (value: string): string[] => {
  const trimmed = value.trim();
  return trimmed === "" ? [] : trimmed.split(/\s*,\s*/);
};

/**
 * The configs `current` becomes after `changes` (in order), or the first rule they break: a key named twice,
 * an unknown key, a null value for set/append/subtract, append/subtract on a config that is not a LIST, or a
 * resulting set that breaks checkTopicConfigs (values, sizes, Kafka's cross-key checks). The changes' own size
 * is checked first, so that a huge request costs no more work.
 */
export function applyTopicConfigChanges(
  current: Readonly<Record<string, string>>,
  changes: readonly TopicConfigChange[],
  replace: boolean,
): { configs: Record<string, string> } | TopicRuleViolation {
  const tooBig = checkTopicConfigsSize(changes.map((c) => [c.name, c.value] as const));
  if (tooBig) return tooBig;
  const seen = new Set<string>();
  for (const change of changes) {
    if (seen.has(change.name)) {
      return {
        rule: TopicRule.DUPLICATE_CONFIG,
        message: `Error due to duplicate config keys: ${change.name}`,
      };
    }
    seen.add(change.name);
  }
  const configs: Record<string, string> = replace ? {} : { ...current };
  for (const { name, op, value } of changes) {
    const spec = topicConfigSpecs.get(name);
    if (!spec) return { rule: TopicRule.CONFIG, message: `Unknown topic config name: ${name}` };
    if (op === "delete") {
      delete configs[name];
      continue;
    }
    if (value === null) {
      return { rule: TopicRule.CONFIG, message: `Null value not supported for topic configs: ${name}` };
    }
    if (op === "set") {
      configs[name] = value;
      continue;
    }
    if (spec.type !== "list") {
      return { rule: TopicRule.CONFIG, message: `Config value ${op} is not allowed for config key: ${name}` };
    }
    const items = listItems(configs[name] ?? spec.defaultValue);
    const given = listItems(value);
    const next =
      op === "append"
        ? [...items, ...given.filter((item) => !items.includes(item))]
        : items.filter((item) => !given.includes(item));
    configs[name] = next.join(",");
  }
  const broken = checkTopicConfigs(configs);
  return broken ?? { configs };
}
