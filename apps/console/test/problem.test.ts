import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiProblem, unwrap } from "../src/api/problem.ts";

const response = (status: number) => new Response(null, { status });

describe("API problems", () => {
  it("finds the field a validation problem is about", () => {
    const problem = new ApiProblem({
      status: 400,
      code: "INVALID_REQUEST",
      title: "Invalid request",
      detail: "body/spec/brokers/min: Expected integer to be greater or equal to 1",
    });
    assert.deepEqual(problem.field, {
      pointer: "/spec/brokers/min",
      message: "Expected integer to be greater or equal to 1",
    });
  });
  it("has no field for other problems", () => {
    const conflict = new ApiProblem({
      status: 409,
      code: "CONFLICT",
      title: "Conflict",
      detail: "body/x: y",
    });
    assert.equal(conflict.field, null);
    const query = new ApiProblem({
      status: 400,
      code: "INVALID_REQUEST",
      title: "t",
      detail: "querystring/limit: z",
    });
    assert.equal(query.field, null);
  });
  it("unwraps data, and throws a problem for an error answer or a network failure", async () => {
    assert.deepEqual(await unwrap(Promise.resolve({ data: { a: 1 }, response: response(200) })), { a: 1 });
    await assert.rejects(
      unwrap(
        Promise.resolve({
          error: { status: 404, code: "NOT_FOUND", title: "Not found", detail: "cluster x" },
          response: response(404),
        }),
      ),
      (error: unknown) =>
        error instanceof ApiProblem &&
        error.problem.code === "NOT_FOUND" &&
        error.message === "Not found: cluster x",
    );
    await assert.rejects(
      unwrap(Promise.resolve({ error: "<html>bad gateway</html>", response: response(502) })),
      (error: unknown) => error instanceof ApiProblem && error.problem.status === 502,
    );
    await assert.rejects(
      unwrap(Promise.reject(new TypeError("fetch failed"))),
      (error: unknown) => error instanceof ApiProblem && error.problem.code === "NETWORK",
    );
  });
});

describe("a session ended by a 401", () => {
  it("tells an expired token apart from a revoked or unknown one", async () => {
    const { sessionEndMessage } = await import("../src/api/problem.ts");
    assert.match(sessionEndMessage({ status: 401, code: "TOKEN_EXPIRED", title: "t" }), /expired/);
    assert.match(sessionEndMessage({ status: 401, code: "UNAUTHORIZED", title: "t" }), /revoked/);
    assert.match(sessionEndMessage(undefined), /revoked/);
  });

  it("signs out with the reason, which a new sign-in clears", async () => {
    const { signOutFor } = await import("../src/api/problem.ts");
    const { currentToken, sessionEndReason, setToken } = await import("../src/api/session.ts");
    setToken("cirrus_api_x");
    signOutFor({ status: 401, code: "TOKEN_EXPIRED", title: "t" });
    assert.equal(currentToken(), null);
    assert.match(sessionEndReason() ?? "", /expired/);
    setToken("cirrus_api_y");
    assert.equal(sessionEndReason(), null);
    setToken(null);
  });
});

describe("a 401 for a token the session has moved on from", () => {
  it("ends the session only when the refused token is still the session's (a renewal swaps it)", async () => {
    const { refusalEndsSession, setToken } = await import("../src/api/session.ts");
    setToken("cirrus_api_old");
    assert.equal(refusalEndsSession("cirrus_api_old"), true);
    setToken("cirrus_api_new");
    assert.equal(refusalEndsSession("cirrus_api_old"), false, "the old token's refusal after a renewal");
    assert.equal(refusalEndsSession("cirrus_api_new"), true);
    setToken(null);
    assert.equal(refusalEndsSession(null), false, "signed out already");
  });

  it("lets a 401 that comes during a renewal wait for it: the old token's streams end before its answer comes", async () => {
    const { duringRenewal, endsSessionOnceSettled, setToken } = await import("../src/api/session.ts");
    setToken("cirrus_api_old");
    let answer!: () => void;
    const renewed = duringRenewal(async () => {
      await new Promise<void>((resolve) => {
        answer = resolve;
      });
      setToken("cirrus_api_new");
    });
    const judged = endsSessionOnceSettled("cirrus_api_old");
    answer();
    await renewed;
    assert.equal(await judged, false, "judged after the swap: the session goes on");
    assert.equal(await endsSessionOnceSettled("cirrus_api_new"), true, "no renewal in flight: judged now");
    setToken(null);
  });
});
