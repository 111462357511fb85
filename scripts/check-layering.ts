// The layering of DESIGN.md, checked on every module reference of every source file in libs/* and apps/*
// (run by `npm run lint` after Biome, whose noRestrictedImports globs cannot tell a relative path that
// leaves its package from one that stays inside):
// - a lib never imports an app; libs import each other only downhill (LIB_DEPENDENCIES below);
// - an app imports libs only, by their `@cirrus/<lib>` names; never another app;
// - no relative path leaves its package: another package is reached by its name, never by `../../x/src`.
// A module reference is a static import or export, `import()`, `require()`, `import.meta.resolve()`, or
// `new URL(…, import.meta.url)`. e2e/, scripts/ and infra/ sit above the packages and are not checked.
//
// Usage: node scripts/check-layering.ts [--root DIR]. Exit 1 and one line per violation when any.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** What each lib may import of ours (DESIGN.md: "libs import each other only downhill"). */
export const LIB_DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  "@cirrus/kafka-protocol": [],
  "@cirrus/object-store": [],
  "@cirrus/cloud": [],
  "@cirrus/s3stream": ["@cirrus/object-store"],
  /** The broker ↔ control plane contract reuses s3stream's ObjectManager types and error codes. */
  "@cirrus/broker-api": ["@cirrus/s3stream"],
};

/** A known breach, named exactly (file and specifier), with why it stands and what removes it. */
export interface LayeringException {
  file: string;
  specifier: string;
  reason: string;
}

/** Each one must still occur (a stale exception is reported too), so the list only shrinks. */
export const EXCEPTIONS: readonly LayeringException[] = [
  {
    file: "apps/broker/test/helpers/control-plane.ts",
    specifier: "@cirrus/control-plane",
    reason: "broker integration tests start a real control plane in-process; they belong in e2e/",
  },
  {
    file: "apps/control-plane/test/objects/s3stream-contract.test.ts",
    specifier: "../../../../libs/s3stream/test/object-manager-contract.ts",
    reason:
      "s3stream's contract suite has no package export yet (e.g. @cirrus/s3stream/object-manager-contract)",
  },
  {
    file: "libs/s3stream/test/storage-s3.test.ts",
    specifier: "../../object-store/test/helpers/s3-server.ts",
    reason:
      "object-store's S3 test server has no package export yet (e.g. @cirrus/object-store/s3-test-server)",
  },
  {
    file: "apps/control-plane/src/controllers/provisioner/broker-launch.ts",
    specifier: "@cirrus/broker/main",
    reason:
      "fallback broker entry for callers that pass none (scripts/start.ts passes it); goes once " +
      "test/controllers/provisioner/broker-launch.test.ts passes brokerEntry",
  },
];

export interface PackageInfo {
  name: string;
  /** Repository-relative, '/'-separated: libs/s3stream. */
  dir: string;
  layer: "lib" | "app";
}

export interface ModuleReference {
  specifier: string;
  line: number;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  reason: string;
}

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", "data", "coverage"]);

/** Why `specifier`, named in `file` (repository-relative), breaks the layering; undefined when it does not. */
export function checkReference(
  packages: readonly PackageInfo[],
  file: string,
  specifier: string,
): string | undefined {
  const own = packageOf(packages, file);
  if (!own) return undefined;
  if (specifier.startsWith("/") || specifier.startsWith("file:")) {
    return `an absolute path: name another package by its @cirrus/ name, a file of ${own.name} by a relative path`;
  }
  const path = relativePath(file, specifier);
  if (path !== undefined) {
    if (path === own.dir || path.startsWith(`${own.dir}/`)) return undefined;
    const target = packageOf(packages, path);
    if (!target) return `a relative path that leaves ${own.name} (to ${path})`;
    const layering = checkPackage(own, target.name, packages);
    return `a relative path into ${target.name}${layering ? `, and ${layering}` : `: import it as ${target.name}`}`;
  }
  const name = /^@cirrus\/[^/]+/.exec(specifier)?.[0];
  if (!name || name === own.name) return undefined;
  return checkPackage(own, name, packages);
}

/** Whether package `own` may import package `name` at all. */
function checkPackage(own: PackageInfo, name: string, packages: readonly PackageInfo[]): string | undefined {
  const target = packages.find((p) => p.name === name);
  if (own.layer === "app") {
    if (target?.layer === "app") return `an app never imports another app (${name})`;
    if (!target) return `apps import only the libs of this repository (${name} is none)`;
    return undefined;
  }
  if (target?.layer === "app") return `a lib never imports an app (${name})`;
  const allowed = LIB_DEPENDENCIES[own.name] ?? [];
  if (!allowed.includes(name)) {
    return `${own.name} may import ${allowed.length === 0 ? "nothing of ours" : `only ${allowed.join(", ")}`} (${name})`;
  }
  return undefined;
}

/** The repository path a relative specifier names; undefined for anything else. */
function relativePath(file: string, specifier: string): string | undefined {
  if (specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..") {
    return posix.normalize(posix.join(posix.dirname(file), specifier));
  }
  return undefined;
}

function packageOf(packages: readonly PackageInfo[], path: string): PackageInfo | undefined {
  return packages.find((p) => path === p.dir || path.startsWith(`${p.dir}/`));
}

export function checkSource(packages: readonly PackageInfo[], file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  for (const { specifier, line } of moduleReferences(source)) {
    const reason = checkReference(packages, file, specifier);
    if (reason) violations.push({ file, line, specifier, reason });
  }
  return violations;
}

/** The packages of libs/* and apps/* (folders with a package.json). */
export function loadPackages(root: string): PackageInfo[] {
  const packages: PackageInfo[] = [];
  for (const layer of ["lib", "app"] as const) {
    const parent = `${layer}s`;
    let entries: string[];
    try {
      entries = readdirSync(join(root, parent)).sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const manifest = join(root, parent, entry, "package.json");
      let name: unknown;
      try {
        name = JSON.parse(readFileSync(manifest, "utf8")).name;
      } catch {
        continue;
      }
      if (typeof name === "string") packages.push({ name, dir: `${parent}/${entry}`, layer });
    }
  }
  return packages;
}

/** Every violation under `root`, less the exceptions; unused exceptions are violations too. */
export function checkRepository(
  root: string,
  exceptions: readonly LayeringException[] = EXCEPTIONS,
): Violation[] {
  const packages = loadPackages(root);
  const found: Violation[] = [];
  for (const p of packages) {
    if (p.layer === "lib" && !(p.name in LIB_DEPENDENCIES)) {
      found.push({
        file: `${p.dir}/package.json`,
        line: 1,
        specifier: p.name,
        reason: "a lib missing from LIB_DEPENDENCIES in scripts/check-layering.ts: say what it may import",
      });
    }
    for (const file of sourceFiles(root, p.dir)) {
      found.push(...checkSource(packages, file, readFileSync(join(root, file), "utf8")));
    }
  }
  const used = new Set<LayeringException>();
  const violations = found.filter((v) => {
    const exception = exceptions.find((e) => e.file === v.file && e.specifier === v.specifier);
    if (exception) used.add(exception);
    return !exception;
  });
  for (const e of exceptions) {
    if (!used.has(e)) {
      violations.push({
        file: e.file,
        line: 1,
        specifier: e.specifier,
        reason: "a layering exception that no longer occurs: remove it from scripts/check-layering.ts",
      });
    }
  }
  return violations;
}

function sourceFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs).sort()) {
      if (entry.startsWith(".") || SKIPPED_DIRS.has(entry)) continue;
      const path = join(abs, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (SOURCE_FILE.test(entry)) files.push(relative(root, path).split(sep).join("/"));
    }
  };
  walk(join(root, dir));
  return files;
}

interface Token {
  kind: "name" | "string" | "punct";
  value: string;
  line: number;
}

/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * The module specifiers a TypeScript/JavaScript source names, in order. A small lexer (strings, template
 * literals, comments and regular expressions skipped) followed by pattern matching on its tokens.
 */
export function moduleReferences(source: string): ModuleReference[] {
  const tokens = tokenize(source);
  const refs: ModuleReference[] = [];
  const at = (i: number, value: string) => tokens[i]?.kind !== "string" && tokens[i]?.value === value;
  const str = (i: number) => (tokens[i]?.kind === "string" ? tokens[i] : undefined);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== "name" || at(i - 1, ".")) continue;
    let spec: Token | undefined;
    if (t.value === "from")
      spec = str(i + 1); // import … from "x", export … from "x"
    else if (t.value === "import") {
      if (str(i + 1))
        spec = str(i + 1); // import "x"
      else if (at(i + 1, "("))
        spec = str(i + 2); // import("x")
      else if (
        at(i + 1, ".") &&
        at(i + 2, "meta") &&
        at(i + 3, ".") &&
        at(i + 4, "resolve") &&
        at(i + 5, "(")
      )
        spec = str(i + 6);
    } else if (t.value === "require" && at(i + 1, "(")) spec = str(i + 2);
    else if (t.value === "new" && at(i + 1, "URL") && at(i + 2, "(") && at(i + 4, ",")) {
      const url = [",", "import", ".", "meta", ".", "url"].every((v, k) => at(i + 4 + k, v));
      if (url) spec = str(i + 3);
    }
    if (spec) refs.push({ specifier: spec.value, line: spec.line });
  }
  return refs;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  /** Brace depths at which an open template literal resumes (`${ … }`). */
  const templates: number[] = [];
  let depth = 0;
  let line = 1;
  let i = 0;
  const n = source.length;
  const push = (kind: Token["kind"], value: string, at: number) => tokens.push({ kind, value, line: at });

  /** Scans template characters from i (just after ` or a closing }) to the closing ` or the next ${. */
  const template = () => {
    while (i < n) {
      const c = source[i]!;
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        push("punct", "`", line); // a template is a value: a following / divides
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templates.push(depth);
        depth++;
        return;
      } else {
        if (c === "\n") line++;
        i++;
      }
    }
  };

  while (i < n) {
    const c = source[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (source[k] === "\n") line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = "";
      i++;
      while (i < n && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else value += source[i++];
      }
      i++;
      push("string", value, start);
    } else if (c === "`") {
      i++;
      template();
    } else if (c === "/" && startsRegex(tokens.at(-1))) {
      let inClass = false;
      i++;
      while (i < n && source[i] !== "\n") {
        const r = source[i]!;
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/i.test(source[i]!)) i++;
      push("punct", "/regex/", line);
    } else if (/[A-Za-z_$#\u0080-\uffff]/.test(c)) {
      const start = i;
      i++;
      while (i < n && /[\w$\u0080-\uffff]/.test(source[i]!)) i++;
      push("name", source.slice(start, i), line);
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(source[i]!)) i++;
      push("punct", "0", line);
    } else if (c === "{") {
      depth++;
      i++;
      push("punct", c, line);
    } else if (c === "}") {
      depth--;
      i++;
      if (templates.length > 0 && templates.at(-1) === depth) {
        templates.pop();
        template();
      } else push("punct", c, line);
    } else {
      i++;
      push("punct", c, line);
    }
  }
  return tokens;
}

function startsRegex(previous: Token | undefined): boolean {
  if (!previous) return true;
  if (previous.kind === "string") return false;
  if (previous.kind === "name") return REGEX_AFTER.has(previous.value);
  return !(
    previous.value === ")" ||
    previous.value === "]" ||
    previous.value === "}" ||
    previous.value === "0" ||
    previous.value === "`" ||
    previous.value === "/regex/"
  );
}

if (import.meta.main) {
  const rootArg = process.argv.indexOf("--root");
  const root = rootArg >= 0 ? process.argv[rootArg + 1]! : fileURLToPath(new URL("..", import.meta.url));
  const violations = checkRepository(root);
  for (const v of violations) process.stderr.write(`${v.file}:${v.line}: "${v.specifier}": ${v.reason}\n`);
  if (violations.length > 0) {
    process.stderr.write(`check-layering: ${violations.length} violation(s) of DESIGN.md's layering\n`);
    process.exit(1);
  }
  process.stdout.write("check-layering: libs and apps keep DESIGN.md's layering\n");
}
