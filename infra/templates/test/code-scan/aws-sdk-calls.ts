import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT, type SourceFile } from "./source-files.ts";

/** One SDK command a source file constructs, named by the service model compiled into the SDK package. */
export interface SdkCall {
  file: string;
  /** e.g. @aws-sdk/client-ec2 */
  packageName: string;
  /** e.g. CreateVolumeCommand */
  command: string;
  /** The Smithy service namespace's last part, e.g. ec2, autoscaling, cloudwatch, s3. */
  service: string;
  /** The model's operation name, e.g. CreateVolume. */
  operation: string;
}

const IMPORT_BLOCK = /import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/client-[a-z0-9-]+)"/g;

/** Commands imported from an `@aws-sdk/client-*` package and constructed with `new` in the same file. */
export function commandsConstructed(file: SourceFile): { packageName: string; command: string }[] {
  const out: { packageName: string; command: string }[] = [];
  for (const [, names, packageName] of file.text.matchAll(IMPORT_BLOCK)) {
    for (const raw of names!.split(",")) {
      const name = raw.trim();
      if (!name.endsWith("Command") || name.startsWith("type ")) continue;
      if (new RegExp(`new\\s+${name}\\s*\\(`).test(file.text))
        out.push({ packageName: packageName!, command: name });
    }
  }
  return out;
}

// The SDK packages live in the workspace that depends on them (hoisted to the root node_modules).
const requireFromRoot = createRequire(join(REPO_ROOT, "package.json"));

/**
 * What each command is in the service's own model: a command instance carries its compiled operation schema
 * `[9, "com.amazonaws.<service>", "<Operation>", …]`, so the service and operation come from the SDK, not from
 * the class name.
 */
export function sdkCalls(files: readonly SourceFile[]): SdkCall[] {
  const out: SdkCall[] = [];
  for (const file of files) {
    for (const { packageName, command } of commandsConstructed(file)) {
      const sdk = requireFromRoot(packageName) as Record<string, new (input: object) => { schema?: unknown }>;
      const Command = sdk[command];
      if (!Command) throw new Error(`${file.path}: ${packageName} exports no ${command}`);
      const schema = new Command({}).schema;
      if (!Array.isArray(schema) || typeof schema[1] !== "string" || typeof schema[2] !== "string")
        throw new Error(`${packageName} ${command}: no compiled operation schema`);
      out.push({
        file: file.path,
        packageName,
        command,
        service: schema[1].split(".").pop()!,
        operation: schema[2],
      });
    }
  }
  return out;
}
