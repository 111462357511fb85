import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed when the test file ends. */
export async function tempDir(label = "s3stream"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `cirrus-${label}-`));
  dirs.push(dir);
  return dir;
}
