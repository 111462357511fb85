import { useState } from "react";
import { api } from "../api/client.ts";
import { ApiProblem, unwrap } from "../api/problem.ts";
import type { Scope } from "../api/types.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { CopyText } from "../components/copy-text.tsx";
import { DataTable } from "../components/data-table.tsx";
import { Field } from "../components/field.tsx";
import { LoadState } from "../components/load-state.tsx";
import { SelectField } from "../components/select-field.tsx";
import { formatRelative } from "../format.ts";
import { usePolled } from "../use-polled.ts";
import { useSubmit } from "../use-submit.ts";
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
  const [secret, setSecret] = useState<string>();
  const { busy, failure, error, onSubmit } = useSubmit(async () => {
    setSecret(undefined);
    const expiresAt = expiresAtFor(expiry, Date.now());
    const created = await unwrap(
      api.POST("/v1/tokens", { body: { name: name.trim(), scope, ...(expiresAt ? { expiresAt } : {}) } }),
    );
    setSecret(created.secret);
    setName("");
    onCreated();
  });
  // A refused expiry is shown at its own field, any other failure at the name.
  const expiryError =
    failure instanceof ApiProblem && failure.field?.pointer === "/expiresAt"
      ? failure.field.message
      : undefined;
  return (
    <form className="card inline-form" onSubmit={onSubmit} noValidate aria-labelledby="token-create">
      <h2 id="token-create">Create a token</h2>
      <Field
        id="k-name"
        label="Name"
        hint="Who or what uses it, e.g. ci@example.com"
        error={expiryError ? undefined : error}
      >
        {(aria) => (
          <input {...aria} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        )}
      </Field>
      <SelectField id="k-scope" label="Scope" value={scope} onChange={setScope} options={SCOPES} />
      <SelectField
        id="k-expiry"
        label="Expires"
        hint="After this it is refused; create a new one then"
        value={expiry}
        onChange={setExpiry}
        options={EXPIRY_CHOICES}
        error={expiryError}
      />
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
          <LoadState {...tokens} empty={<p>No token: create one above.</p>}>
            {(list) => (
              <DataTable
                caption="API tokens"
                columns={["Name", "Scope", "Created", "Expires", "Last used"]}
                actions
              >
                {list.map((t) => (
                  <tr
                    key={t.id}
                    className={t.revokedAt || describeExpiry(t.expiresAt, Date.now()).expired ? "muted" : ""}
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
                            await unwrap(api.DELETE("/v1/tokens/{id}", { params: { path: { id: t.id } } }));
                            tokens.reload();
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </DataTable>
            )}
          </LoadState>
        </div>
      </div>
    </section>
  );
}
