// A token's expiry as the settings page offers and shows it: the form's choices (7, 30 or 90 days, or never;
// 30 by default, as GitHub and Grafana offer them), turned into the API's `expiresAt`, and an expiry said
// relative to now ("in 29 days", "expired 2 h ago", "never").

export type ExpiryChoice = "7" | "30" | "90" | "never";

export const EXPIRY_CHOICES: readonly [ExpiryChoice, string][] = [
  ["7", "7 days"],
  ["30", "30 days"],
  ["90", "90 days"],
  ["never", "Never (not recommended)"],
];

export const DEFAULT_EXPIRY: ExpiryChoice = "30";

const DAY_MS = 24 * 60 * 60 * 1000;
/** An expiry closer than this is pointed out in the list. */
const SOON_MS = 7 * DAY_MS;

/** The `expiresAt` (ms since the epoch) a choice asks for at `now`; null: never expires. */
export function expiresAtFor(choice: ExpiryChoice, now: number): number | null {
  return choice === "never" ? null : now + Number(choice) * DAY_MS;
}

/** "3 days", "5 h", "12 min", "40 s": the largest unit; days rounded (a 30-day token just made reads "30 days"). */
function roughly(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${Math.round(ms / DAY_MS)} days`;
  if (ms >= 60 * 60 * 1000) return `${Math.floor(ms / (60 * 60 * 1000))} h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)} min`;
  return `${Math.max(0, Math.floor(ms / 1000))} s`;
}

export interface ExpiryView {
  text: string;
  expired: boolean;
  /** Expires within 7 days. */
  soon: boolean;
}

/** How a token's expiry reads at `now`. */
export function describeExpiry(expiresAt: number | null, now: number): ExpiryView {
  if (expiresAt === null) return { text: "never", expired: false, soon: false };
  const left = expiresAt - now;
  if (left <= 0) return { text: `expired ${roughly(-left)} ago`, expired: true, soon: false };
  return { text: `in ${roughly(left)}`, expired: false, soon: left < SOON_MS };
}

/** The signed-in token is pointed out this close to its expiry, with the offer to renew it. */
export const WARN_BEFORE_MS = DAY_MS;

/** The warning for the signed-in token at `now`: the time left, within a day of its expiry; else undefined. */
export function expiryWarning(expiresAt: number | null, now: number): string | undefined {
  if (expiresAt === null) return undefined;
  const left = expiresAt - now;
  if (left <= 0 || left > WARN_BEFORE_MS) return undefined;
  return `Your API token expires in ${roughly(left)}.`;
}

/** When the warning for `expiresAt` should next be looked at again after `now` (undefined: never). */
export function nextExpiryCheck(expiresAt: number | null, now: number): number | undefined {
  if (expiresAt === null || expiresAt <= now) return undefined;
  const warnFrom = expiresAt - WARN_BEFORE_MS;
  // Before the warning: at its start. During it: each minute, so the time left reads right (and at the expiry).
  return now < warnFrom ? warnFrom : Math.min(expiresAt, now + 60_000);
}

/** A renewal's lifetime: the one the token had ("same", what the API gives when told nothing) or a fixed choice. */
export type RenewalChoice = "same" | ExpiryChoice;

/** The API's longest lifetime for a token (366 days; apps/control-plane/src/auth/api-tokens.ts). */
const MAX_LIFETIME_MS = 366 * DAY_MS;

/**
 * The lifetimes a renewal of `token` by itself may ask for, "same" first (the default). An admin token issues any lifetime
 * the API allows (7, 30, 90 days or never). A token renewing itself gets at most the lifetime it was given (the
 * API refuses more with 403), so only the shorter fixed choices are offered besides "same": strictly shorter,
 * as the browser's clock may run ahead of the server's.
 */
export function renewalChoices(token: {
  scope: string;
  createdAt: number;
  expiresAt: number | null;
}): [RenewalChoice, string][] {
  const admin = token.scope === "admin";
  const lifetime =
    token.expiresAt === null ? null : Math.min(token.expiresAt - token.createdAt, MAX_LIFETIME_MS);
  const same: [RenewalChoice, string] = [
    "same",
    lifetime === null ? "Never expires, as now" : `${roughly(lifetime)}, as now`,
  ];
  const fixed = EXPIRY_CHOICES.filter(([choice]) => {
    if (admin) return true;
    if (lifetime === null) return choice !== "never";
    return choice !== "never" && Number(choice) * DAY_MS < lifetime;
  });
  return [same, ...fixed];
}

/** The renewal request's body for a choice at `now`: nothing for "same" (the API repeats the old lifetime). */
export function renewalBody(choice: RenewalChoice, now: number): { expiresAt: number | null } | undefined {
  return choice === "same" ? undefined : { expiresAt: expiresAtFor(choice, now) };
}
