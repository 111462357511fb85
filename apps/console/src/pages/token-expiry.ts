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
