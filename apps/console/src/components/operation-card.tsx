import type { Operation } from "../api/types.ts";
import { formatDuration, formatTime } from "../format.ts";
import { inputRows, scalingDecisionRows } from "./operation-inputs.ts";
import { ScrollRegion } from "./scroll-region.tsx";
import { Status } from "./status.tsx";

function stepDuration(step: Operation["steps"][number], now: number): string {
  if (step.startedAt === null) return "";
  return formatDuration((step.finishedAt ?? now) - step.startedAt);
}

/** An operation: what it is, why (its input), each step with its duration and error, and its outcome. */
export function OperationCard({ operation: op, now = Date.now() }: { operation: Operation; now?: number }) {
  const input = op.input as Record<string, unknown>;
  const decision = scalingDecisionRows(op.type, input);
  const inputs = decision ? [] : inputRows(input);
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
      {(decision || inputs.length > 0) && (
        <details>
          <summary>Why: inputs</summary>
          <ScrollRegion
            label={decision ? "The figures the scaling decision was made on" : "The operation's inputs"}
          >
            {decision ? (
              <table className="inputs">
                <caption className="visually-hidden">The figures the scaling decision was made on</caption>
                <thead>
                  <tr>
                    <th scope="col">Metric</th>
                    <th scope="col">Value</th>
                    <th scope="col">Threshold</th>
                    <th scope="col">Decision</th>
                  </tr>
                </thead>
                <tbody>
                  {decision.map((row) => (
                    <tr key={row.metric}>
                      <th scope="row">{row.metric}</th>
                      <td className="nowrap">{row.value}</td>
                      <td>{row.threshold}</td>
                      <td>{row.decision}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <table className="inputs">
                <caption className="visually-hidden">The operation's inputs</caption>
                <thead>
                  <tr>
                    <th scope="col">Input</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {inputs.map((row) => (
                    <tr key={row.name}>
                      <th scope="row">
                        <code>{row.name}</code>
                      </th>
                      <td className="wrap-anywhere">{row.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </ScrollRegion>
        </details>
      )}
    </article>
  );
}
