import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, unwrap } from "../api/problem.ts";
import { sessionEndReason, setToken } from "../api/session.ts";

/** Sign in with an API token: checked against the API before it is kept (in this tab's session only). */
export function LoginPage() {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  // Why the last session ended by itself (an expired token…), until the next attempt.
  const [ended] = useState(sessionEndReason);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const token = value.trim();
      await unwrap(
        api.GET("/v1/clusters", {
          params: { query: { limit: 1 } },
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      setToken(token);
    } catch (failure) {
      setError(
        failure instanceof ApiProblem && failure.problem.code === "TOKEN_EXPIRED"
          ? "This token has expired: use another one (an admin creates tokens under Settings)."
          : failure instanceof ApiProblem && failure.problem.status === 401
            ? "This token is not valid (unknown, revoked or mistyped)."
            : failure instanceof ApiProblem && failure.problem.status === 403
              ? "This token cannot read clusters: use one with the viewer, operator or admin scope."
              : String(failure instanceof Error ? failure.message : failure),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <form onSubmit={submit} className="card" aria-describedby="login-help">
        <h1>Cirrus console</h1>
        <p id="login-help">
          Sign in with an API token. <code>npm start</code> prints the first admin token as{" "}
          <code>token: …</code>; an admin creates more under Settings. The token stays in this browser tab
          only.
        </p>
        {ended && !error && (
          <p className="callout" role="status">
            {ended}
          </p>
        )}
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "token-error" : undefined}
        />
        {error && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !value.trim()}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
