import { sdkCalls } from "../code-scan/aws-sdk-calls.ts";
import { iamActionOf, needsPermission } from "../code-scan/iam-actions.ts";
import { commandsByStoreMethod, storeMethodsCalled } from "../code-scan/object-store-calls.ts";
import { sourceFiles } from "../code-scan/source-files.ts";

const S3_STORE = "libs/object-store/src/s3-object-store.ts";

function storeActions(methods: Iterable<string>): Map<string, string> {
  const [store] = sourceFiles("libs/object-store/src").filter((f) => f.path === S3_STORE);
  if (!store) throw new Error(`${S3_STORE} not found`);
  const byMethod = commandsByStoreMethod(store);
  const out = new Map<string, string>();
  for (const method of methods) {
    const commands = byMethod.get(method);
    if (!commands) throw new Error(`S3ObjectStore has no method ${method}`);
    for (const operation of commands)
      out.set(iamActionOf({ service: "s3", operation }), `${S3_STORE} ${method}`);
  }
  return out;
}

/**
 * Every IAM action the control plane's code needs, each with where it comes from: the AWS SDK commands
 * libs/cloud and the control plane construct, and the S3 calls behind the object-store methods the control
 * plane calls on a store it opens (object-purge.ts).
 */
export function controlPlaneCodeActions(): Map<string, string> {
  const out = new Map<string, string>();
  for (const call of sdkCalls(sourceFiles("libs/cloud/src", "apps/control-plane/src")))
    if (needsPermission(call)) out.set(iamActionOf(call), `${call.file} ${call.command}`);
  const methods = new Set<string>();
  for (const file of sourceFiles("apps/control-plane/src"))
    for (const m of storeMethodsCalled(file)) methods.add(m);
  if (methods.size === 0) throw new Error("no object-store use found in apps/control-plane/src");
  for (const [action, from] of storeActions(methods)) out.set(action, from);
  return out;
}

/** Every IAM action a broker needs: brokers use the whole object store (s3stream, checkpoints, log cleaner). */
export function brokerCodeActions(): Map<string, string> {
  const out = new Map<string, string>();
  for (const call of sdkCalls(sourceFiles("libs/object-store/src", "libs/s3stream/src", "apps/broker/src")))
    if (needsPermission(call)) out.set(iamActionOf(call), `${call.file} ${call.command}`);
  return out;
}

/** Set difference, sorted, for assertion messages. */
export function missingFrom(
  wanted: Iterable<string>,
  have: ReadonlySet<string> | ReadonlyMap<string, unknown>,
): string[] {
  return [...wanted].filter((a) => !have.has(a)).sort();
}
