import type { Operation } from "../api/types.ts";
import { formatDuration, formatTime } from "../format.ts";
import { Status } from "./status.tsx";

function stepDuration(step: Operation["steps"][number], now: number): string {
  if (step.startedAt === null) return "";
  return formatDuration((step.finishedAt ?? now) - step.startedAt);
}

/** An operation: what it is, why (its input), each step with its duration and error, and its outcome. */
export function OperationCard({ operation: op, now = Date.now() }: { operation: Operation; now?: number }) {
  const inputs = Object.entries(op.input);
  return (
    <article className={`operation op-${op.status.toLowerCase()}`} aria-label={`${op.type} ${op.status}`}>
      <header>
        <h3>{op.type}</h3>
        <Status state={op.status} />
        <span className="muted small">
          {formatTime(op.createdAt)} · {formatDuration((op.finishedAt ?? now) - op.createdAt)}
          {op.attempts > 1 ? ` · attempt ${op.attempts}` : ""}
        </span>
      </header>
      <progress value={op.progress} max={1} aria-label="Progress" />
      {op.error && (
        <p className="callout callout-bad">
          <strong>{op.error.code}</strong>: {op.error.message}
        </p>
      )}
      {op.steps.length > 0 && (
        <ol className="steps">
          {op.steps.map((step) => (
            <li key={step.name} className={`step-${step.status.toLowerCase()}`}>
              <span className="step-name">{step.name}</span> <Status state={step.status} />{" "}
              <span className="muted small">{stepDuration(step, now)}</span>
              {step.error && <div className="field-error">{step.error}</div>}
            </li>
          ))}
        </ol>
      )}
      {inputs.length > 0 && (
        <details>
          <summary>Why: inputs</summary>
          <dl className="facts">
            {inputs.map(([key, value]) => (
              <div key={key} className="fact-row">
                <dt>{key}</dt>
                <dd>
                  <code>{typeof value === "string" ? value : JSON.stringify(value)}</code>
                </dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </article>
  );
}
