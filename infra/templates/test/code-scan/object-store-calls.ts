import type { SourceFile } from "./source-files.ts";

/**
 * The S3 commands each public method of S3ObjectStore sends, its private helpers followed
 * (libs/object-store/src/s3-object-store.ts: `put` → `#putMultipart` → CreateMultipartUpload, …).
 */
export function commandsByStoreMethod(store: SourceFile): Map<string, Set<string>> {
  const body = store.text.slice(store.text.indexOf("export class S3ObjectStore"));
  // Methods are declared at two spaces of indentation; a method's text runs to the next declaration.
  const declarations = [...body.matchAll(/^ {2}(?:async\s+)?(#?[A-Za-z]\w*)(?:<[^>]*>)?\(/gm)];
  const direct = new Map<string, { commands: Set<string>; calls: Set<string> }>();
  for (const [i, match] of declarations.entries()) {
    const text = body.slice(match.index, declarations[i + 1]?.index ?? body.length);
    direct.set(match[1]!, {
      commands: new Set([...text.matchAll(/new\s+(\w+)Command\s*\(/g)].map((m) => m[1]!)),
      calls: new Set([...text.matchAll(/this\.(#?\w+)\s*[(<]/g)].map((m) => m[1]!)),
    });
  }
  const reachable = (name: string, seen: Set<string>): Set<string> => {
    const method = direct.get(name);
    if (!method || seen.has(name)) return new Set();
    seen.add(name);
    const out = new Set(method.commands);
    for (const callee of method.calls) for (const c of reachable(callee, seen)) out.add(c);
    return out;
  };
  const out = new Map<string, Set<string>>();
  for (const name of direct.keys()) if (!name.startsWith("#")) out.set(name, reachable(name, new Set()));
  return out;
}

/** The object-store methods a file calls on a store it opened with openObjectStore. */
export function storeMethodsCalled(file: SourceFile): Set<string> {
  const out = new Set<string>();
  for (const [, variable] of file.text.matchAll(
    /(?:const|let)\s+(\w+)\s*=\s*(?:await\s+)?openObjectStore\(/g,
  )) {
    for (const [, method] of file.text.matchAll(new RegExp(`\\b${variable}\\.(\\w+)\\(`, "g")))
      out.add(method!);
  }
  return out;
}
