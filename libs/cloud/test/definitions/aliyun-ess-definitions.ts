import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** Where `.ci/install-cloud-definitions.sh` unpacks Alibaba's official `aliyun-python-sdk-ess` wheel. */
export const ESS_DEFINITIONS_DIR = join(ROOT, ".ci/cache/cloud-definitions/aliyunsdkess/request/v20140828");

/**
 * Normalises a wire parameter name so repeated positions compare equal: `Tag.2.Key` → `Tag.N.Key`,
 * `RemovalPolicy.1` → `RemovalPolicy.N`.
 */
export function parameterPattern(name: string): string {
  return name.replace(/\.\d+(?=\.|$)/g, ".N");
}

/**
 * The parameter patterns of one action, read from the `add_query_param(<name expression>, …)` calls
 * of its request class: the name expression is a concatenation of string literals and
 * `str(depthK + 1)` (the position of a repeated field), e.g. `'Tag.' + str(depth1 + 1) + '.Key'`.
 */
export function parseRequestClass(source: string): { version: string; action: string; params: Set<string> } {
  const header = /RpcRequest\.__init__\(self, 'Ess', '([^']+)', '([^']+)'/.exec(source);
  if (!header) throw new Error("not an ESS RpcRequest class");
  const params = new Set<string>();
  for (const call of source.matchAll(
    /add_query_param\(((?:'[^']*'|"[^"]*"|\s*\+\s*|str\(depth\d \+ 1\))+),/g,
  )) {
    const expression = call[1]!;
    let name = "";
    for (const part of expression.matchAll(/'([^']*)'|"([^"]*)"|str\(depth\d \+ 1\)/g)) {
      name += part[0].startsWith("str(") ? "N" : (part[1] ?? part[2]);
    }
    params.add(parameterPattern(name));
  }
  return { version: header[1]!, action: header[2]!, params };
}

export interface ActionDefinitions {
  version: string;
  /** Parameter patterns (see `parameterPattern`) per action name. */
  actions: Map<string, Set<string>>;
}

let cached: ActionDefinitions | undefined;

/** Every ESS 2014-08-28 action and its parameters, from the official SDK's request classes. */
export function essDefinitions(): ActionDefinitions {
  if (cached) return cached;
  if (!existsSync(ESS_DEFINITIONS_DIR)) {
    throw new Error(
      `ESS request definitions missing at ${ESS_DEFINITIONS_DIR}: run \`bash .ci/install-cloud-definitions.sh\``,
    );
  }
  const actions = new Map<string, Set<string>>();
  let version = "";
  for (const file of readdirSync(ESS_DEFINITIONS_DIR)) {
    if (!file.endsWith("Request.py")) continue;
    const parsed = parseRequestClass(readFileSync(join(ESS_DEFINITIONS_DIR, file), "utf8"));
    actions.set(parsed.action, parsed.params);
    version = parsed.version;
  }
  cached = { version, actions };
  return cached;
}

/**
 * The parameters of `query` that `action` does not define (RegionId is common to every RPC call), or
 * the action itself when the definitions do not list it.
 */
export function undefinedParameters(
  defs: ActionDefinitions,
  action: string,
  query: Record<string, string>,
): string[] {
  const allowed = defs.actions.get(action);
  if (!allowed) return [`action ${action}`];
  return Object.keys(query).filter((k) => k !== "RegionId" && !allowed.has(parameterPattern(k)));
}
