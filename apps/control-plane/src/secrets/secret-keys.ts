// Where the control plane's secrets key comes from:
// - CIRRUS_SECRETS_KEY (or CIRRUS_SECRETS_KEY_FILE): 32 bytes, base64; CIRRUS_SECRETS_OLD_KEYS (comma-separated,
//   or _FILE): keys that still open values sealed before a rotation (startup re-seals those rows);
// - none configured, embedded database in a folder (the no-config `npm start`): a key generated once into a file
//   next to the database folder (mode 0600), so a dump of the database alone reveals no secret;
// - none configured, in-memory database: a random key that lives as long as the process (so does the data);
// - none configured, PostgreSQL (DATABASE_URL): refused at start. A production control plane keeps its key
//   apart from its database (a secret manager, a mounted file), and one generated on some replica's disk would
//   differ between replicas.
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Config, ConfigError } from "../config.ts";
import { SECRET_KEY_BYTES, SecretBox } from "./secret-box.ts";

export type SecretKeySource = "configured" | "key-file" | "ephemeral";

export interface OpenedSecretBox {
  box: SecretBox;
  source: SecretKeySource;
  /** The local key file, when source is "key-file" (or an old key came from it). */
  keyFile?: string;
  /** Whether this start generated the key file. */
  generated: boolean;
}

const KEY_HELP = "32 random bytes, base64 (e.g. `openssl rand -base64 32`)";

/** A key as configured: base64 (or base64url) of exactly 32 bytes; the error names the variable, never the value. */
export function parseSecretKey(text: string, name: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, "base64");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) || key.length !== SECRET_KEY_BYTES) {
    throw new ConfigError(`invalid config ${name}: a secrets key is ${KEY_HELP}`);
  }
  return key;
}

/** The embedded database folder's key file: `<folder>.secrets-key`, beside the folder (not inside it). */
export function localKeyFileOf(databaseFolder: string): string {
  return `${resolve(databaseFolder)}.secrets-key`;
}

/** Reads the key file, or creates it (0600) if absent; two starts racing end with the same key. */
export function readOrCreateKeyFile(file: string): { key: Buffer; generated: boolean } {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temporary, `${randomBytes(SECRET_KEY_BYTES).toString("base64")}\n`, { mode: 0o600 });
    try {
      // link() never replaces: whoever links first wins, and nobody ever reads a half-written file.
      linkSync(temporary, file);
      return { key: parseSecretKey(readFileSync(file, "utf8"), file), generated: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(temporary);
    }
  }
  return { key: parseSecretKey(readFileSync(file, "utf8"), file), generated: false };
}

/** The secret box of this configuration (see the top of this file); throws ConfigError when a key is required. */
export function openSecretBox(
  config: Pick<Config, "databaseUrl" | "secretsKey" | "secretsOldKeys">,
): OpenedSecretBox {
  const old = (config.secretsOldKeys ?? "")
    .split(",")
    .filter((k) => k.trim() !== "")
    .map((k, i) => parseSecretKey(k, `CIRRUS_SECRETS_OLD_KEYS (key ${i + 1})`));
  const isPostgres = /^postgres(ql)?:\/\//.test(config.databaseUrl);
  const isMemory = config.databaseUrl === "memory://";
  const keyFile = isPostgres || isMemory ? undefined : localKeyFileOf(config.databaseUrl);
  if (config.secretsKey !== undefined) {
    const current = parseSecretKey(config.secretsKey, "CIRRUS_SECRETS_KEY");
    // Moving from the generated key file to a configured key: what the file's key sealed still opens (and is
    // re-sealed under the configured key at start).
    if (keyFile && existsSync(keyFile)) old.push(parseSecretKey(readFileSync(keyFile, "utf8"), keyFile));
    return { box: new SecretBox(current, old), source: "configured", keyFile, generated: false };
  }
  if (isPostgres) {
    throw new ConfigError(
      "CIRRUS_SECRETS_KEY (or CIRRUS_SECRETS_KEY_FILE) is required with DATABASE_URL=postgres://…: the control " +
        `plane seals the secrets it stores (its Kafka super-user credentials) with it; give ${KEY_HELP}, kept ` +
        "apart from the database (a secret manager or a mounted file), the same on every replica",
    );
  }
  if (isMemory)
    return { box: new SecretBox(randomBytes(SECRET_KEY_BYTES), old), source: "ephemeral", generated: false };
  const file = keyFile!;
  const { key, generated } = readOrCreateKeyFile(file);
  return { box: new SecretBox(key, old), source: "key-file", keyFile: file, generated };
}
