import { useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { messageOf, unwrap } from "../api/problem.ts";
import { currentToken, duringRenewal } from "../api/session.ts";
import {
  describeExpiry,
  expiryWarning,
  nextExpiryCheck,
  type RenewalChoice,
  renewalBody,
  renewalChoices,
} from "../pages/token-expiry.ts";
import { usePolled } from "../use-polled.ts";
import { SelectField } from "./select-field.tsx";

/** A timer waits at most this long: a farther moment is reached by looking again (setTimeout's limit is ~24.8 days). */
const LONGEST_WAIT_MS = 24 * 60 * 60 * 1000;

/** The time now, moved on at the moments `next(now)` names (no request: a clock for what the page reads). */
function useNowAt(next: (now: number) => number | undefined): number {
  const [now, setNow] = useState(Date.now);
  const at = next(now);
  useEffect(() => {
    if (at === undefined) return;
    const timer = setTimeout(
      () => setNow(Date.now()),
      Math.min(Math.max(0, at - Date.now()), LONGEST_WAIT_MS),
    );
    return () => clearTimeout(timer);
  }, [at]);
  return now;
}

/**
 * Within a day of the signed-in token's expiry: a warning with the time left and the offer to renew it. Renewing
 * (POST /v1/tokens/{id}/renew) gives a new secret with the same scope and a fresh expiry and revokes the old one;
 * the session moves to the new secret without a sign-out (its live streams open again with it), in every tab
 * signed in with it. The new lifetime is the old one unless chosen: an admin token may choose any the API allows,
 * another token only a shorter one (see `renewalChoices`).
 */
export function TokenExpiryBanner() {
  const token = currentToken();
  const mine = usePolled(() => unwrap(api.GET("/v1/tokens/current")), 0, [token]);
  const expiresAt = mine.data?.expiresAt ?? null;
  const now = useNowAt((at) => nextExpiryCheck(expiresAt, at));
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [renewed, setRenewed] = useState<string>();
  const [lifetime, setLifetime] = useState<RenewalChoice>("same");
  const warning = expiryWarning(expiresAt, now);

  const renew = async () => {
    if (!mine.data) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const { id } = mine.data;
      const made = await duringRenewal(() =>
        unwrap(
          api.POST("/v1/tokens/{id}/renew", {
            params: { path: { id } },
            body: renewalBody(lifetime, Date.now()),
          }),
        ),
      );
      setRenewed(
        `API token renewed: it now expires ${describeExpiry(made.token.expiresAt, Date.now()).text}.`,
      );
    } catch (thrown) {
      setFailure(messageOf(thrown));
    } finally {
      setBusy(false);
    }
  };

  // Just renewed: say so (with the new expiry) until dismissed, even when the new token too expires within a day.
  if (renewed) {
    return (
      <div className="callout callout-good banner" role="status">
        {renewed}{" "}
        <button type="button" className="ghost" onClick={() => setRenewed(undefined)}>
          Dismiss
        </button>
      </div>
    );
  }
  if (!warning || !mine.data) return null;
  const choices = renewalChoices(mine.data);
  return (
    <div className="callout callout-warn banner" role="status">
      {warning} Renew it to keep working: you get a new token with the same scope, and this one stops working.{" "}
      {choices.length > 1 && (
        <SelectField
          id="renew-lifetime"
          label="New lifetime"
          value={lifetime}
          onChange={setLifetime}
          options={choices}
        />
      )}
      <button type="button" className="primary" onClick={renew} disabled={busy}>
        {busy ? "Renewing…" : "Renew token"}
      </button>
      {failure && (
        <span className="banner-error" role="alert">
          {" "}
          Renewal failed: {failure}
        </span>
      )}
    </div>
  );
}
