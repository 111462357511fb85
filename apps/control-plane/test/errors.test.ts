import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { ApiError, ApiErrors } from "../src/errors.ts";
import { toProblem } from "../src/http/problem-handler.ts";

it("documents exactly the error codes src/errors.ts defines", () => {
  const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("Errors are RFC 9457"), readme.indexOf("Bodies are validated"));
  const documented = new Set([...section.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));
  assert.deepEqual([...documented].sort(), Object.keys(ApiErrors).sort());
});

it("turns every ApiError into a problem with its status and code", () => {
  for (const code of Object.keys(ApiErrors) as (keyof typeof ApiErrors)[]) {
    const problem = toProblem(new ApiError(code, "detail"), "/x");
    assert.equal(problem.status, ApiErrors[code].status);
    assert.equal(problem.code, code);
    assert.equal(problem.detail, "detail");
  }
});

it("hides the details of unexpected errors", () => {
  const problem = toProblem(new Error("password=hunter2 at db.internal"), "/x");
  assert.equal(problem.status, 500);
  assert.equal(problem.code, "INTERNAL");
  assert.ok(!JSON.stringify(problem).includes("hunter2"));
});
