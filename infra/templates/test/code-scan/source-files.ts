import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is infra/templates/test/code-scan/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");

export interface SourceFile {
  /** Repository-relative path. */
  path: string;
  text: string;
}

/** Every .ts file under the given repository-relative folders (tests excluded: they are not what runs). */
export function sourceFiles(...folders: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts"))
        out.push({ path: relative(REPO_ROOT, full), text: readFileSync(full, "utf8") });
    }
  };
  for (const folder of folders) walk(join(REPO_ROOT, folder));
  return out;
}
