import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiProblem, unwrap } from "../src/api/problem.ts";
import { openRenewed, type RenewalNews, sealRenewed, tokenTag } from "../src/api/renewal-news.ts";

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
      return { secret: "cirrus_api_new" };
    });
    const judged = endsSessionOnceSettled("cirrus_api_old");
    answer();
    await renewed;
    assert.equal(await judged, false, "judged after the swap: the session goes on");
    assert.equal(await endsSessionOnceSettled("cirrus_api_new"), true, "no renewal in flight: judged now");
    setToken(null);
  });
});

describe("a renewal in another tab of this browser", () => {
  /** Waits (a few ms at a time) until `ready()`: a BroadcastChannel message arrives on a later turn. */
  const until = async (what: string, ready: () => boolean) => {
    for (let i = 0; i < 400 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(ready(), what);
  };
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

  /** Runs `body` beside another tab's end of the channel, this tab signed in with `token`; signs out after. */
  const besideOtherTab = async (token: string, body: (otherTab: BroadcastChannel) => Promise<void>) => {
    const { setToken } = await import("../src/api/session.ts");
    const otherTab = new BroadcastChannel("cirrus.session");
    try {
      setToken(token);
      await body(otherTab);
    } finally {
      otherTab.close();
      setToken(null);
    }
  };

  /** The other tab starts renewing `token`; then this tab meets a 401 for it: its judgement, once made. */
  const refusalDuringItsRenewal = async (otherTab: BroadcastChannel, token: string) => {
    const { endsSessionOnceSettled, renewalPending } = await import("../src/api/session.ts");
    otherTab.postMessage({ kind: "renewing", tag: await tokenTag(token) });
    // Until this tab has taken the news in (it hashes its token first, however long a loaded machine takes).
    await until("this tab waits for the other tab's renewal", renewalPending);
    const judgement: { ends?: boolean } = {};
    void endsSessionOnceSettled(token).then((ends) => {
      judgement.ends = ends;
    });
    await tick();
    assert.equal(judgement.ends, undefined, "the refusal waits for the other tab's renewal");
    return judgement;
  };

  it("moves this tab to the renewed token, and a 401 for the old one met meanwhile waits for it", async () => {
    const { currentToken } = await import("../src/api/session.ts");
    await besideOtherTab("cirrus_api_shared", async (otherTab) => {
      const judgement = await refusalDuringItsRenewal(otherTab, "cirrus_api_shared");
      otherTab.postMessage(await sealRenewed("cirrus_api_shared", "cirrus_api_renewed"));
      await until("judged once renewed", () => judgement.ends !== undefined);
      assert.equal(judgement.ends, false, "the session goes on");
      assert.equal(currentToken(), "cirrus_api_renewed");
    });
  });

  it("lets the 401 end the session once the other tab's renewal failed", async () => {
    await besideOtherTab("cirrus_api_shared", async (otherTab) => {
      const judgement = await refusalDuringItsRenewal(otherTab, "cirrus_api_shared");
      otherTab.postMessage({ kind: "renew-failed", tag: await tokenTag("cirrus_api_shared") });
      await until("judged once the renewal failed", () => judgement.ends !== undefined);
      assert.equal(judgement.ends, true);
    });
  });

  it("ignores a renewal of a token this tab does not hold", async () => {
    const { currentToken } = await import("../src/api/session.ts");
    await besideOtherTab("cirrus_api_mine", async (otherTab) => {
      otherTab.postMessage(await sealRenewed("cirrus_api_theirs", "cirrus_api_theirs_2"));
      // Our tag, sealed with another token (a page that guessed nothing but copied the tag): not opened.
      const forged = await sealRenewed("cirrus_api_theirs", "cirrus_api_forged");
      otherTab.postMessage({ ...forged, tag: await tokenTag("cirrus_api_mine") });
      // This tab takes the news in the order sent: once it has moved to this one, it has judged the two above.
      otherTab.postMessage(await sealRenewed("cirrus_api_mine", "cirrus_api_mine_2"));
      await until("the last news taken in", () => currentToken() !== "cirrus_api_mine");
      assert.equal(currentToken(), "cirrus_api_mine_2");
    });
  });

  it("tells the other tabs of its own renewal, no token in the clear: only a tab holding the old one reads the new", async () => {
    const { duringRenewal } = await import("../src/api/session.ts");
    await besideOtherTab("cirrus_api_before", async (otherTab) => {
      const heard: RenewalNews[] = [];
      otherTab.onmessage = (event: MessageEvent) => heard.push(event.data);
      await duringRenewal(async () => ({ secret: "cirrus_api_after" }));
      await assert.rejects(duringRenewal(async () => Promise.reject(new Error("refused"))));
      await until("four messages", () => heard.length === 4);
      // Any page of this origin hears the channel, whatever session it holds.
      assert.doesNotMatch(JSON.stringify(heard), /cirrus_api_(before|after)/);
      const [before, after] = [await tokenTag("cirrus_api_before"), await tokenTag("cirrus_api_after")];
      assert.deepEqual(
        heard.map((news) => [news.kind, news.tag]),
        [
          ["renewing", before],
          ["renewed", before],
          ["renewing", after],
          ["renew-failed", after],
        ],
      );
      const renewed = heard[1] as Extract<RenewalNews, { kind: "renewed" }>;
      assert.equal(await openRenewed(renewed, "cirrus_api_before"), "cirrus_api_after");
      await assert.rejects(openRenewed(renewed, "cirrus_api_other"));
    });
  });
});
