// How one option of the broker's config is read (environment variable, or `<NAME>_FILE` for secrets) and
// parsed by its kind. Every failure is a CONFIG_INVALID BrokerError whose message names the environment
// variable and the option, so a bad setting stops the process at start with a message an operator can act on.
import { readFileSync } from "node:fs";
import { BrokerError, BrokerErrorCode } from "./errors.ts";

export type OptionSpec =
  | { readonly kind: "string"; readonly secret?: boolean }
  | { readonly kind: "int"; readonly min?: number; readonly max?: number }
  | { readonly kind: "bool" }
  /** Comma-separated names out of `allowed` (case-insensitive, kept upper-case); empty: none. */
  | { readonly kind: "list"; readonly allowed: readonly string[] }
  /** "user:password" pairs separated by commas or newlines (a password may contain ':'). Always secret. */
  | { readonly kind: "users"; readonly secret: true }
  /** Kafka principals `User:<name>` separated by semicolons or commas (Kafka's super.users); empty: none. */
  | { readonly kind: "principals" };

export type OptionValue = string | number | boolean | readonly string[] | ReadonlyMap<string, string>;

/** `kafkaPort` → `CIRRUS_KAFKA_PORT`. */
export function envNameOf(key: string): string {
  return `CIRRUS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function configError(key: string, why: string, options?: { cause?: unknown }): BrokerError {
  return new BrokerError(
    BrokerErrorCode.CONFIG_INVALID,
    `config ${envNameOf(key)} (${key}): ${why}`,
    options,
  );
}

/** The option's raw value from the environment: `<NAME>`, else (secrets) the trimmed contents of `<NAME>_FILE`. */
export function readEnv(key: string, spec: OptionSpec, env: NodeJS.ProcessEnv): string | undefined {
  const name = envNameOf(key);
  const direct = env[name];
  if (direct !== undefined && direct !== "") return direct;
  const file = "secret" in spec && spec.secret ? env[`${name}_FILE`] : undefined;
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8").trim();
  } catch (cause) {
    throw new BrokerError(
      BrokerErrorCode.CONFIG_INVALID,
      `config ${name}_FILE (${key}): cannot read ${file}`,
      { cause },
    );
  }
}

/** Parses a raw value (a string from the environment, or a value a caller passed) by the option's kind. */
export function parseValue(key: string, spec: OptionSpec, raw: unknown): OptionValue {
  const shown = "secret" in spec && spec.secret ? "a secret" : JSON.stringify(raw);
  const fail = (why: string): never => {
    throw configError(key, `${why} (got ${shown})`);
  };
  switch (spec.kind) {
    case "string":
      return typeof raw === "string" ? raw : fail("expected a string");
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return fail("expected true/false/1/0");
    case "int": {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : Number.NaN;
      if (!Number.isSafeInteger(n)) fail("expected an integer");
      if (spec.min !== undefined && n < spec.min) fail(`must be >= ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) fail(`must be <= ${spec.max}`);
      return n;
    }
    case "list": {
      const items =
        typeof raw === "string"
          ? raw.split(",")
          : Array.isArray(raw)
            ? raw
            : fail("expected a comma-separated list");
      const names = items.map((m) => String(m).trim().toUpperCase()).filter((m) => m.length > 0);
      for (const name of names) {
        if (!spec.allowed.includes(name)) fail(`${name} is not one of ${spec.allowed.join(", ")}`);
      }
      return Object.freeze([...new Set(names)]);
    }
    case "principals": {
      const items =
        typeof raw === "string"
          ? raw.split(/[;,]/)
          : Array.isArray(raw)
            ? raw
            : fail("expected User:<name> principals separated by ';'");
      const principals = items.map((p) => String(p).trim()).filter((p) => p.length > 0);
      for (const p of principals) {
        if (!/^User:.+$/.test(p)) fail(`${JSON.stringify(p)} is not a principal User:<name>`);
      }
      return Object.freeze([...new Set(principals)]);
    }
    case "users":
      if (raw instanceof Map) return raw as ReadonlyMap<string, string>;
      return typeof raw === "string" ? parseUsers(key, raw) : fail(`expected "user:password" pairs`);
  }
}

/** "user:password" pairs separated by commas or newlines; a password may itself contain ':'. */
function parseUsers(key: string, text: string): ReadonlyMap<string, string> {
  const users = new Map<string, string>();
  for (const [index, entry] of text.split(/[,\n]/).entries()) {
    const trimmed = entry.trim();
    if (trimmed.length === 0) continue;
    const colon = trimmed.indexOf(":");
    if (colon <= 0) throw configError(key, `entry ${index + 1} is not "user:password"`);
    users.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  return users;
}
