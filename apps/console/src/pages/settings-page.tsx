import { type FormEvent, useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, messageOf, unwrap } from "../api/problem.ts";
import type { Scope } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { CopyText } from "../components/copy-text.tsx";
import { Field } from "../components/field.tsx";
import { LoadState } from "../components/load-state.tsx";
import { formatRelative } from "../format.ts";
import { usePolled } from "../use-polled.ts";
import {
  DEFAULT_EXPIRY,
  describeExpiry,
  EXPIRY_CHOICES,
  type ExpiryChoice,
  expiresAtFor,
} from "./token-expiry.ts";

const SCOPES: [Scope, string][] = [
  ["viewer", "viewer: reads everything"],
  ["operator", "operator: also creates topics, rebalances, drains"],
  ["admin", "admin: also manages clusters and tokens"],
  ["metrics", "metrics: only scrapes GET /metrics"],
];

function CreateTokenForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("viewer");
  const [expiry, setExpiry] = useState<ExpiryChoice>(DEFAULT_EXPIRY);
  const [expiryError, setExpiryError] = useState<string>();
  const [error, setError] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setExpiryError(undefined);
    setSecret(undefined);
    try {
      const expiresAt = expiresAtFor(expiry, Date.now());
      const created = await unwrap(
        api.POST("/v1/tokens", { body: { name: name.trim(), scope, ...(expiresAt ? { expiresAt } : {}) } }),
      );
      setSecret(created.secret);
      setName("");
      onCreated();
    } catch (failure) {
      const field = failure instanceof ApiProblem ? failure.field : null;
      if (field?.pointer === "/expiresAt") setExpiryError(field.message);
      else setError(field ? field.message : messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-labelledby="token-create">
      <h2 id="token-create">Create a token</h2>
      <Field id="k-name" label="Name" hint="Who or what uses it, e.g. ci@example.com" error={error}>
        {(aria) => (
          <input {...aria} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        )}
      </Field>
      <Field id="k-scope" label="Scope">
        {(aria) => (
          <select {...aria} value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
            {SCOPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id="k-expiry"
        label="Expires"
        hint="After this it is refused; create a new one then"
        error={expiryError}
      >
        {(aria) => (
          <select {...aria} value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}>
            {EXPIRY_CHOICES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Creating…" : "Create token"}
      </button>
      {secret && (
        <div className="callout callout-good span-all" role="status">
          <p>The token's secret, shown this once: store it now.</p>
          <CopyText label="New token secret" text={secret} />
        </div>
      )}
    </form>
  );
}

/** A token's expiry in the list: "expired …" and "in 3 days" stand out (a soon-dead CI token is worth seeing). */
function ExpiryCell({ expiresAt }: { expiresAt: number | null }) {
  const expiry = describeExpiry(expiresAt, Date.now());
  const title = expiresAt === null ? undefined : new Date(expiresAt).toISOString();
  if (expiry.expired) return <strong title={title}>{expiry.text}</strong>;
  if (expiry.soon) return <em title={title}>{expiry.text}</em>;
  return <span title={title}>{expiry.text}</span>;
}

export function SettingsPage() {
  const tokens = usePolled(
    async () => (await unwrap(api.GET("/v1/tokens", { params: { query: { limit: 500 } } }))).items,
    0,
    [],
  );
  return (
    <section>
      <h1>Settings</h1>
      <div className="stack">
        <CreateTokenForm onCreated={tokens.reload} />
        <div className="card">
          <h2>API tokens</h2>
          <LoadState
            {...tokens}
            isEmpty={(list) => list.length === 0}
            empty={<p>No token: create one above.</p>}
          >
            {(list) => (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Scope</th>
                      <th scope="col">Created</th>
                      <th scope="col">Expires</th>
                      <th scope="col">Last used</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((t) => (
                      <tr
                        key={t.id}
                        className={
                          t.revokedAt || describeExpiry(t.expiresAt, Date.now()).expired ? "muted" : ""
                        }
                      >
                        <th scope="row">{t.name}</th>
                        <td>{t.scope}</td>
                        <td>{formatRelative(t.createdAt)}</td>
                        <td>
                          <ExpiryCell expiresAt={t.expiresAt} />
                        </td>
                        <td>{t.lastUsedAt ? formatRelative(t.lastUsedAt) : "never"}</td>
                        <td>
                          {t.revokedAt ? (
                            `revoked ${formatRelative(t.revokedAt)}`
                          ) : (
                            <ConfirmButton
                              label="Revoke"
                              danger
                              title={`Revoke token ${t.name}?`}
                              body="Every request with it is refused from now on. This cannot be undone."
                              confirmLabel="Revoke"
                              action={async () => {
                                await unwrap(
                                  api.DELETE("/v1/tokens/{id}", { params: { path: { id: t.id } } }),
                                );
                                tokens.reload();
                              }}
                            />
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </LoadState>
        </div>
      </div>
    </section>
  );
}
