// scripts/check-layering.ts, the lint that keeps DESIGN.md's layering: fed bad imports of every kind it must
// refuse, and run as `npm run lint` runs it (a whole process, on this repository and on a broken one).
// It lives here because e2e/ is the one package that sits above libs/, apps/ and scripts/ alike and tests
// the repository as a whole; no lib or app has any business importing a repository script.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  checkReference,
  checkRepository,
  loadPackages,
  moduleReferences,
} from "../../scripts/check-layering.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "check-layering.ts");
const run = promisify(execFile);

const PACKAGES = [
  { name: "@cirrus/kafka-protocol", dir: "libs/kafka-protocol", layer: "lib" },
  { name: "@cirrus/object-store", dir: "libs/object-store", layer: "lib" },
  { name: "@cirrus/cloud", dir: "libs/cloud", layer: "lib" },
  { name: "@cirrus/s3stream", dir: "libs/s3stream", layer: "lib" },
  { name: "@cirrus/broker-api", dir: "libs/broker-api", layer: "lib" },
  { name: "@cirrus/broker", dir: "apps/broker", layer: "app" },
  { name: "@cirrus/control-plane", dir: "apps/control-plane", layer: "app" },
] as const;

/** A repository of `files` (path → content) under a fresh temporary folder, with the packages above. */
async function fixture(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "layering-"));
  for (const p of PACKAGES) files[`${p.dir}/package.json`] ??= JSON.stringify({ name: p.name });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

describe("check-layering", () => {
  it("finds every kind of module reference, and none in comments, strings, templates or regexps", () => {
    const source = `
      import { a } from "./a.ts";
      import type { B } from '../b.ts';
      import "./side-effect.ts";
      export { c } from "@cirrus/s3stream";
      export * from "./d.ts";
      const e = await import("./e.ts");
      type F = import("./f.ts").F;
      const g = import.meta.resolve("@cirrus/broker/main");
      const h = new URL("../../h.ts", import.meta.url);
      const i = require("./i.cjs");
      // import { no } from "./comment.ts";
      /* import("./block-comment.ts") */
      const s = 'import x from "./string.ts"';
      const t = \`import("./template.ts") \${await import("./in-template.ts")} from "./after.ts"\`;
      const r = /import("\\.\\/regexp.ts")/.test(s) ? 1 / 2 : Array.from("abc");
      const fileUrl = new URL("file.txt", "http://example.com");
      this.#require("./private-method.ts");
    `;
    assert.deepEqual(
      moduleReferences(source).map((r) => r.specifier),
      [
        "./a.ts",
        "../b.ts",
        "./side-effect.ts",
        "@cirrus/s3stream",
        "./d.ts",
        "./e.ts",
        "./f.ts",
        "@cirrus/broker/main",
        "../../h.ts",
        "./i.cjs",
        "./in-template.ts",
      ],
    );
    assert.equal(moduleReferences(source)[0]!.line, 2, "with the line it is on");
  });

  it("refuses imports that break the layering: relative paths out of a package, app to app, lib to app, uphill", () => {
    const bad: [file: string, specifier: string, reason: RegExp][] = [
      [
        "libs/s3stream/src/a.ts",
        "../../object-store/src/index.ts",
        /relative path into @cirrus\/object-store: import it as/,
      ],
      [
        "libs/s3stream/test/x/a.ts",
        "../../../kafka-protocol/src/x.ts",
        /relative path into @cirrus\/kafka-protocol, and .*only @cirrus\/object-store/,
      ],
      [
        "libs/s3stream/src/a.ts",
        "@cirrus/kafka-protocol",
        /@cirrus\/s3stream may import only @cirrus\/object-store/,
      ],
      ["libs/kafka-protocol/src/a.ts", "@cirrus/object-store", /may import nothing of ours/],
      [
        "libs/object-store/src/a.ts",
        "../../../scripts/x.ts",
        /relative path that leaves @cirrus\/object-store \(to scripts\/x\.ts\)/,
      ],
      ["libs/cloud/src/a.ts", "@cirrus/broker", /a lib never imports an app/],
      ["libs/broker-api/src/a.ts", "@cirrus/kafka-protocol", /may import only @cirrus\/s3stream/],
      ["libs/broker-api/src/a.ts", "../../../apps/control-plane/src/x.ts", /a lib never imports an app/],
      ["apps/control-plane/src/a.ts", "../../broker/src/main.ts", /an app never imports another app/],
      ["apps/control-plane/src/x/a.ts", "@cirrus/broker/main", /an app never imports another app/],
      [
        "apps/broker/test/a.ts",
        "../../../libs/s3stream/test/contract.ts",
        /relative path into @cirrus\/s3stream/,
      ],
      ["apps/broker/src/a.ts", "@cirrus/e2e", /apps import only the libs/],
      ["apps/broker/src/a.ts", "/work/main/libs/s3stream/src/index.ts", /an absolute path/],
    ];
    for (const [file, specifier, reason] of bad) {
      const found = checkReference(PACKAGES, file, specifier);
      assert.ok(found, `${file} → ${specifier} must be refused`);
      assert.match(found, reason, `${file} → ${specifier}`);
    }
    const good: [file: string, specifier: string][] = [
      ["libs/s3stream/src/a/b.ts", "../errors.ts"],
      ["libs/s3stream/test/x/a.ts", "../../src/index.ts"],
      ["libs/s3stream/src/a.ts", "@cirrus/object-store"],
      ["libs/broker-api/src/a.ts", "@cirrus/s3stream"],
      ["libs/kafka-protocol/src/a.ts", "node:fs"],
      ["libs/kafka-protocol/src/a.ts", "@node-rs/crc32"],
      ["apps/broker/src/a.ts", "@cirrus/kafka-protocol"],
      ["apps/control-plane/src/a.ts", "@cirrus/control-plane"],
      ["apps/broker/test/a.ts", "../README.md"],
      ["scripts/start.ts", "../apps/control-plane/src/x.ts"],
    ];
    for (const [file, specifier] of good) {
      assert.equal(checkReference(PACKAGES, file, specifier), undefined, `${file} → ${specifier}`);
    }
  });

  it("checks a whole repository: violations with file and line, exceptions by exact name, stale ones reported", async () => {
    const root = await fixture({
      "libs/s3stream/src/ok.ts": 'import { x } from "@cirrus/object-store";\nexport const y = x;\n',
      "libs/s3stream/src/bad.ts":
        '\nimport { x } from "../../kafka-protocol/src/index.ts";\nexport const y = x;\n',
      "apps/control-plane/src/launch.ts":
        'const main = new URL("../../broker/src/main.ts", import.meta.url);\n',
      "apps/broker/node_modules/dep/index.ts": 'import "../../../../libs/s3stream/src/x.ts";\n',
      "libs/newlib/package.json": JSON.stringify({ name: "@cirrus/newlib" }),
    });
    try {
      const packages = loadPackages(root).map((p) => p.name);
      assert.ok(packages.includes("@cirrus/newlib") && packages.includes("@cirrus/broker"));
      const found = checkRepository(root, []);
      assert.deepEqual(
        found.map((v) => `${v.file}:${v.line} ${v.specifier}`).sort(),
        [
          "apps/control-plane/src/launch.ts:1 ../../broker/src/main.ts",
          "libs/newlib/package.json:1 @cirrus/newlib",
          "libs/s3stream/src/bad.ts:2 ../../kafka-protocol/src/index.ts",
        ],
        "node_modules are not ours; a lib missing from the table is reported",
      );
      const excepted = checkRepository(root, [
        { file: "libs/s3stream/src/bad.ts", specifier: "../../kafka-protocol/src/index.ts", reason: "test" },
        { file: "libs/s3stream/src/gone.ts", specifier: "@cirrus/cloud", reason: "test" },
      ]);
      assert.deepEqual(excepted.map((v) => v.file).sort(), [
        "apps/control-plane/src/launch.ts",
        "libs/newlib/package.json",
        "libs/s3stream/src/gone.ts",
      ]);
      assert.match(excepted.find((v) => v.file === "libs/s3stream/src/gone.ts")!.reason, /no longer occurs/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("fails as a process on a repository that breaks the layering, and passes on this one", async () => {
    const root = await fixture({
      "apps/control-plane/src/a.ts": 'import { main } from "../../broker/src/main.ts";\nexport { main };\n',
    });
    try {
      const failed = await run(process.execPath, [SCRIPT, "--root", root]).then(
        () => assert.fail("exit 0 on a broken repository"),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(failed.code, 1);
      assert.match(
        failed.stderr,
        /apps\/control-plane\/src\/a\.ts:1: "\.\.\/\.\.\/broker\/src\/main\.ts": .*another app/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    const passed = await run(process.execPath, [SCRIPT], { cwd: ROOT });
    assert.match(passed.stdout, /keep DESIGN\.md's layering/);
  });
});
