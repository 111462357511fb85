import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { ConfigError, DEFAULT_CONFIG, loadConfig } from "../src/config.ts";

it("uses the defaults when nothing is set, and freezes the result", () => {
  const config = loadConfig({});
  assert.deepEqual({ ...config }, { ...DEFAULT_CONFIG });
  assert.ok(Object.isFrozen(config));
});

it("reads environment variables, converting numbers", () => {
  const config = loadConfig({ PORT: "9000", DATABASE_URL: "postgres://x/y", BROKER_LEASE_MS: "5000" });
  assert.equal(config.port, 9000);
  assert.equal(config.databaseUrl, "postgres://x/y");
  assert.equal(config.leaseMs, 5000);
});

it("reads secrets from *_FILE", () => {
  const dir = mkdtempSync(join(tmpdir(), "cirrus-config-"));
  try {
    writeFileSync(join(dir, "db"), "postgres://secret@db/cirrus\n");
    assert.equal(
      loadConfig({ DATABASE_URL_FILE: join(dir, "db") }).databaseUrl,
      "postgres://secret@db/cirrus",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("refuses a bad value with a ConfigError naming the variable", () => {
  assert.throws(
    () => loadConfig({ PORT: "eighty" }),
    (e: unknown) => e instanceof ConfigError && e.message.includes("PORT"),
  );
  assert.throws(() => loadConfig({ LOG_LEVEL: "loud" }), ConfigError);
  assert.throws(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: "short" }), ConfigError);
});
