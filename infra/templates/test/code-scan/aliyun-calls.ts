import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT, type SourceFile } from "./source-files.ts";

/** ESS actions: the first argument of every `ess.call(...)` / `#ess.call<…>(...)` (ess-rpc.ts's callApi). */
export function essActions(files: readonly SourceFile[]): Set<string> {
  const out = new Set<string>();
  for (const file of files)
    for (const [, action] of file.text.matchAll(/ess\s*\.call(?:<[\s\S]*?>)?\(\s*"([A-Za-z]+)"/g))
      out.add(action!);
  return out;
}

const requireFromRoot = createRequire(join(REPO_ROOT, "package.json"));

/**
 * The OpenAPI actions behind the methods called on a generated client (`ecs.createDisk(…)`): each method's
 * `<method>WithOptions` in the package's own client sends `action: "<Action>"`, so the name comes from the SDK.
 */
export function generatedClientActions(
  files: readonly SourceFile[],
  receiver: string,
  packageName: string,
): Set<string> {
  const client = readFileSync(requireFromRoot.resolve(packageName), "utf8");
  const out = new Set<string>();
  for (const file of files) {
    for (const [, method] of file.text.matchAll(new RegExp(`\\b${receiver}\\.([a-z]\\w*)\\(`, "g"))) {
      const at = client.indexOf(`async ${method}WithOptions(`);
      if (at < 0) continue; // not a client method (e.g. a Map's get)
      const action = /action: "([A-Za-z]+)"/.exec(client.slice(at))?.[1];
      if (!action) throw new Error(`${packageName} ${method}: no action found`);
      out.add(action);
    }
  }
  return out;
}
