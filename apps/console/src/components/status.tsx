const TONE: Record<string, string> = {
  RUNNING: "good",
  SUCCEEDED: "good",
  ACTIVE: "good",
  SERVING: "good",
  STABLE: "good",
  PREPARINGREBALANCE: "busy",
  COMPLETINGREBALANCE: "busy",
  CREATING: "busy",
  UPDATING: "busy",
  PENDING: "busy",
  REGISTERED: "busy",
  DRAINING: "warn",
  DEGRADED: "warn",
  DELETING: "warn",
  FENCED: "bad",
  FAILED: "bad",
};

/** A state as a coloured pill; the text itself carries the meaning (colour is only a hint). */
export function Status({ state }: { state: string }) {
  return <span className={`status status-${TONE[state] ?? "neutral"}`}>{state}</span>;
}
