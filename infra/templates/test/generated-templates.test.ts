import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { templates, templateText } from "../src/templates.ts";

const GENERATED = join(dirname(fileURLToPath(import.meta.url)), "../generated");

describe("generated templates", () => {
  for (const [name, template] of Object.entries(templates())) {
    it(`generated/${name} is what the module emits (npm run build -w @cirrus/infra)`, () => {
      assert.equal(readFileSync(join(GENERATED, name), "utf8"), templateText(template));
    });
  }
});
