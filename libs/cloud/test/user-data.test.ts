import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CloudErrorCode, isCloudError } from "../src/errors.ts";
import { buildUserData } from "../src/user-data.ts";

describe("buildUserData", () => {
  it("produces a shell script that exports the environment, changes folder and execs the broker", () => {
    const dir = mkdtempSync(join(tmpdir(), "cirrus-userdata-"));
    try {
      const script = Buffer.from(
        buildUserData(
          {
            command: "/bin/sh",
            args: ["-c", 'printf "%s|%s|%s|%s" "$CIRRUS_FLEET" "$ODD" "$(pwd)" "$0"', "it's $HOME"],
            env: { ODD: "a 'quoted' $value" },
            cwd: dir,
          },
          { CIRRUS_FLEET: "f1" },
        ),
        "base64",
      ).toString();
      assert.ok(script.startsWith("#!/bin/sh\n"));
      const path = join(dir, "boot.sh");
      writeFileSync(path, script);
      const out = execFileSync("/bin/sh", [path], { encoding: "utf8", timeout: 5000 });
      assert.equal(
        out,
        `f1|a 'quoted' $value|${dir}|it's $HOME`,
        "values reach the broker verbatim, unexpanded",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an environment variable name a shell cannot export", () => {
    assert.throws(
      () => buildUserData({ command: "b", args: [], env: { "BAD-NAME": "x" } }, {}),
      (e) => isCloudError(e, CloudErrorCode.INVALID_ARGUMENT),
    );
  });
});
