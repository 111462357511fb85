import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_EXPIRY,
  describeExpiry,
  EXPIRY_CHOICES,
  expiresAtFor,
  expiryWarning,
  nextExpiryCheck,
  renewalBody,
  renewalChoices,
} from "../src/pages/token-expiry.ts";

const DAY = 24 * 60 * 60 * 1000;
const now = Date.UTC(2026, 11, 7, 12, 0, 0);

describe("token expiry", () => {
  it("offers 7, 30, 90 days and never, 30 by default", () => {
    assert.deepEqual(
      EXPIRY_CHOICES.map(([value]) => value),
      ["7", "30", "90", "never"],
    );
    assert.equal(DEFAULT_EXPIRY, "30");
  });

  it("turns a choice into the API's expiresAt", () => {
    assert.equal(expiresAtFor("7", now), now + 7 * DAY);
    assert.equal(expiresAtFor("30", now), now + 30 * DAY);
    assert.equal(expiresAtFor("90", now), now + 90 * DAY);
    assert.equal(expiresAtFor("never", now), null);
  });

  it("says an expiry relative to now, and points out one within a week", () => {
    assert.deepEqual(describeExpiry(null, now), { text: "never", expired: false, soon: false });
    assert.deepEqual(describeExpiry(now + 30 * DAY - 5_000, now), {
      text: "in 30 days",
      expired: false,
      soon: false,
    });
    assert.deepEqual(describeExpiry(now + 30 * DAY, now), {
      text: "in 30 days",
      expired: false,
      soon: false,
    });
    assert.deepEqual(describeExpiry(now + 7 * DAY, now), { text: "in 7 days", expired: false, soon: false });
    assert.deepEqual(describeExpiry(now + 3 * DAY + 5, now), {
      text: "in 3 days",
      expired: false,
      soon: true,
    });
    assert.deepEqual(describeExpiry(now + 5 * 60 * 60 * 1000, now), {
      text: "in 5 h",
      expired: false,
      soon: true,
    });
    assert.deepEqual(describeExpiry(now + 90_000, now), { text: "in 1 min", expired: false, soon: true });
    assert.deepEqual(describeExpiry(now + 1, now), { text: "in 0 s", expired: false, soon: true });
  });

  it("says when an expired token expired", () => {
    assert.deepEqual(describeExpiry(now, now), { text: "expired 0 s ago", expired: true, soon: false });
    assert.deepEqual(describeExpiry(now - 2 * 60 * 60 * 1000, now), {
      text: "expired 2 h ago",
      expired: true,
      soon: false,
    });
    assert.deepEqual(describeExpiry(now - 10 * DAY, now), {
      text: "expired 10 days ago",
      expired: true,
      soon: false,
    });
  });

  it("warns about the signed-in token within a day of its expiry, with the time left", () => {
    assert.equal(expiryWarning(null, now), undefined, "a token that never expires");
    assert.equal(expiryWarning(now + DAY + 1, now), undefined, "more than a day left");
    assert.equal(expiryWarning(now + DAY, now), "Your API token expires in 24 h.");
    assert.equal(expiryWarning(now + 5 * 60 * 60 * 1000 + 59_000, now), "Your API token expires in 5 h.");
    assert.equal(expiryWarning(now + 90_000, now), "Your API token expires in 1 min.");
    assert.equal(expiryWarning(now, now), undefined, "expired: the session ends instead");
  });

  it("looks again when the warning starts, then each minute until the expiry", () => {
    assert.equal(nextExpiryCheck(null, now), undefined);
    assert.equal(nextExpiryCheck(now - 1, now), undefined);
    assert.equal(nextExpiryCheck(now + 30 * DAY, now), now + 29 * DAY);
    assert.equal(nextExpiryCheck(now + 3 * 60 * 60 * 1000, now), now + 60_000);
    assert.equal(nextExpiryCheck(now + 10_000, now), now + 10_000);
  });
});

describe("renewal lifetimes", () => {
  const HOUR = 60 * 60 * 1000;
  const values = (choices: [string, string][]) => choices.map(([value]) => value);

  it("offers an admin token any lifetime the API allows, its own first", () => {
    const admin = { scope: "admin", createdAt: now - 5 * HOUR, expiresAt: now + 2 * HOUR };
    assert.deepEqual(renewalChoices(admin), [
      ["same", "7 h, as now"],
      ["7", "7 days"],
      ["30", "30 days"],
      ["90", "90 days"],
      ["never", "Never (not recommended)"],
    ]);
  });

  it("offers any other token only lifetimes shorter than its own (the API refuses longer ones with 403)", () => {
    const operator = { scope: "operator", createdAt: now - 29 * DAY, expiresAt: now + 1 * DAY };
    assert.deepEqual(values(renewalChoices(operator)), ["same", "7"], "30 days is not strictly shorter");
    assert.equal(renewalChoices(operator)[0]![1], "30 days, as now");
    const hourly = { scope: "viewer", createdAt: now - HOUR / 2, expiresAt: now + HOUR / 2 };
    assert.deepEqual(renewalChoices(hourly), [["same", "1 h, as now"]]);
    const forever = { scope: "viewer", createdAt: now - DAY, expiresAt: null };
    assert.deepEqual(values(renewalChoices(forever)), ["same", "7", "30", "90"]);
    assert.equal(renewalChoices(forever)[0]![1], "Never expires, as now");
  });

  it("sends nothing for the same lifetime (the API repeats it) and an expiresAt for a fixed one", () => {
    assert.equal(renewalBody("same", now), undefined);
    assert.deepEqual(renewalBody("7", now), { expiresAt: now + 7 * DAY });
    assert.deepEqual(renewalBody("never", now), { expiresAt: null });
  });
});
