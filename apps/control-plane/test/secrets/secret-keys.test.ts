// Where the secrets key comes from: configured (env or _FILE), a key file generated once beside the embedded
// database's folder (0600, the same key at every start), an ephemeral key for an in-memory database, and a refused
// start for PostgreSQL without a key.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { composeControlPlane } from "../../src/composition.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { secretKeyId } from "../../src/secrets/secret-box.ts";
import { localKeyFileOf, openSecretBox, parseSecretKey } from "../../src/secrets/secret-keys.ts";

const dir = mkdtempSync(join(tmpdir(), "cirrus-secret-keys-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (k: Buffer) => k.toString("base64");

describe("secrets key", () => {
  it("generates a key file once beside the embedded database's folder, 0600, and reads it back", () => {
    const databaseUrl = join(dir, "data", "control-plane");
    const first = openSecretBox({ databaseUrl });
    assert.equal(first.source, "key-file");
    assert.equal(first.generated, true);
    assert.equal(first.keyFile, localKeyFileOf(databaseUrl));
    assert.equal(first.keyFile, `${databaseUrl}.secrets-key`);
    assert.equal(statSync(first.keyFile!).mode & 0o777, 0o600);
    const second = openSecretBox({ databaseUrl });
    assert.equal(second.generated, false);
    assert.equal(second.box.currentKeyId, first.box.currentKeyId);
    assert.equal(second.box.open(first.box.seal("x", "row"), "row"), "x");
  });

  it("uses CIRRUS_SECRETS_KEY (or its _FILE) and CIRRUS_SECRETS_OLD_KEYS from the environment", () => {
    const current = randomBytes(32);
    const old = [randomBytes(32), randomBytes(32)];
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, `${b64(current)}\n`);
    const config = loadConfig({
      DATABASE_URL: "postgres://cp@db/cirrus",
      CIRRUS_SECRETS_KEY_FILE: keyFile,
      CIRRUS_SECRETS_OLD_KEYS: old.map(b64).join(","),
    });
    const opened = openSecretBox(config);
    assert.equal(opened.source, "configured");
    assert.deepEqual(opened.box.keyIds, [secretKeyId(current), ...old.map(secretKeyId)]);
  });

  it("keeps the generated key file's key as an old key once a key is configured (moving off it)", () => {
    const databaseUrl = join(dir, "moving", "db");
    const generated = openSecretBox({ databaseUrl });
    const configured = randomBytes(32);
    const opened = openSecretBox({ databaseUrl, secretsKey: b64(configured) });
    assert.equal(opened.box.currentKeyId, secretKeyId(configured));
    assert.ok(opened.box.keyIds.includes(generated.box.currentKeyId));
  });

  it("refuses to start on PostgreSQL without a key, saying what to give", () => {
    assert.throws(
      () => openSecretBox(loadConfig({ DATABASE_URL: "postgres://cp@db/cirrus" })),
      (e: unknown) =>
        e instanceof ConfigError &&
        /CIRRUS_SECRETS_KEY/.test(e.message) &&
        /openssl rand -base64 32/.test(e.message),
    );
  });

  it("refuses a composed control plane on PostgreSQL without a key before connecting to the database", async () => {
    // Nothing listens on port 1: had it tried to connect first, the error would be a connection refusal.
    const config = loadConfig({}, { databaseUrl: "postgres://cp@127.0.0.1:1/cirrus", logLevel: "silent" });
    await assert.rejects(composeControlPlane(config, { env: {} }), (e: unknown) => e instanceof ConfigError);
  });

  it("uses a key that lives with the process for an in-memory database (no file)", () => {
    const a = openSecretBox({ databaseUrl: "memory://" });
    const b = openSecretBox({ databaseUrl: "memory://" });
    assert.equal(a.source, "ephemeral");
    assert.notEqual(a.box.currentKeyId, b.box.currentKeyId);
    assert.equal(existsSync("memory://.secrets-key"), false);
  });

  it("refuses a key that is not 32 bytes of base64, naming the variable and not the value", () => {
    for (const bad of ["short", b64(randomBytes(16)), b64(randomBytes(33)), `${b64(randomBytes(32))}!`]) {
      assert.throws(
        () => openSecretBox({ databaseUrl: "memory://", secretsKey: bad }),
        (e: unknown) =>
          e instanceof ConfigError && e.message.includes("CIRRUS_SECRETS_KEY") && !e.message.includes(bad),
      );
    }
    assert.throws(
      () =>
        openSecretBox({ databaseUrl: "memory://", secretsKey: b64(randomBytes(32)), secretsOldKeys: "nope" }),
      (e: unknown) => e instanceof ConfigError && e.message.includes("CIRRUS_SECRETS_OLD_KEYS"),
    );
    assert.equal(parseSecretKey(randomBytes(32).toString("base64url"), "K").length, 32);
  });

  it("reads a key file another start wrote instead of replacing it", () => {
    const databaseUrl = join(dir, "raced", "db");
    const written = randomBytes(32);
    const file = localKeyFileOf(databaseUrl);
    openSecretBox({ databaseUrl: join(dir, "raced", "other") }); // creates the folder
    writeFileSync(file, b64(written), { mode: 0o600 });
    const opened = openSecretBox({ databaseUrl });
    assert.equal(opened.generated, false);
    assert.equal(opened.box.currentKeyId, secretKeyId(written));
    assert.equal(readFileSync(file, "utf8"), b64(written));
  });
});
